import Glibc

/// The container's filesystem, laid out inside its new mount namespace.
///
/// With a rootfs (an image `dir:PATH`) the command sees only that directory, through an
/// overlay (`RootfsLayer`) that keeps the image read-only: pivot_root into it first, and only
/// then mount /proc, a fresh /dev, /sys, resolv.conf and /tmp, so every target path is
/// resolved inside the new root (a symlink in the image cannot point a mount at the host). The
/// sources from the host (device nodes, resolv.conf) are opened with O_PATH before the pivot
/// and bound by their /proc/self/fd names after it; the old root, parked on /tmp, is detached
/// once they are bound, and /tmp then gets its tmpfs.
///
/// Without a rootfs (the `host` image, Nomad raw_exec style) the command sees the host's
/// files, but every mount is nodev (and read-only with `--read-only yes`), with its own /proc,
/// a fresh /dev, a fresh read-only sysfs (so no /sys/fs/cgroup), an empty /tmp, the given
/// resolv.conf, and the `--hide` paths covered.
///
/// Both then get runc's and Docker's protections (`ContainerMounts+Kernel`): masked and
/// read-only /proc paths, read-only /sys, and IPv6 off in the container's network namespace.
struct ContainerMounts {
    let arguments: InitArguments

    /// Device nodes bound from the host into the container's fresh /dev (with ptmx from its
    /// own devpts and the devices cgroup allowing exactly these).
    static let devices = ["null", "zero", "full", "random", "urandom", "tty"]

    let noSetuidDevExec = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)

    /// O_PATH handles on the host's files a container's mounts are bound from.
    struct HostSources {
        var devices: [(name: String, fd: Int32)] = []
        var resolvConf: Int32 = -1
        /// The host's /dev/null, bound over hidden and masked files.
        var null: Int32? { devices.first { $0.name == "null" }?.fd }
    }

    func apply() throws(SetupFailure) {
        try mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), failure: .namespaces, "cannot make mounts private")
        var sources = HostSources()
        for name in Self.devices {
            let fd = open("/dev/" + name, Linux.openPath | O_CLOEXEC)
            if fd >= 0 { sources.devices.append((name, fd)) }
        }
        if let resolv = arguments.resolvConf {
            sources.resolvConf = open(resolv, Linux.openPath | O_CLOEXEC)
            guard sources.resolvConf >= 0 else { throw SetupFailure(.resolvConf, "cannot open \(resolv): \(FileIO.lastError)") }
        }
        if let rootfs = arguments.rootfs {
            try enterRootfs(rootfs, sources)
        } else {
            try layOutHostFiles(sources)
        }
        for (_, fd) in sources.devices { close(fd) }
        if sources.resolvConf >= 0 { close(sources.resolvConf) }
        if let directory = arguments.workingDirectory, chdir(directory) != 0 {
            throw SetupFailure(.namespaces, "working directory \(directory): \(FileIO.lastError)")
        }
    }

    private func enterRootfs(_ rootfs: String, _ sources: HostSources) throws(SetupFailure) {
        let layer = RootfsLayer(
            image: rootfs, stateDirectory: arguments.stateDirectory, readOnly: arguments.readOnly, needsResolvConf: sources.resolvConf >= 0)
        let root = try layer.mount()
        try pivot(into: root)

        try mount("proc", "/proc", "proc", noSetuidDevExec, failure: .namespaces, "cannot mount /proc")
        try disableIPv6()
        try makeDevices(sources)
        if sources.resolvConf >= 0 {
            // An image whose resolv.conf is a dangling symlink gets its target in the layer.
            if !arguments.readOnly { _ = FileIO.makeFile("/etc/resolv.conf") }
            try bindReadOnly("/proc/self/fd/\(sources.resolvConf)", "/etc/resolv.conf", failure: .resolvConf, "cannot bind resolv.conf")
        }
        if FileIO.kind("/sys") == S_IFDIR {
            // A rootfs without /sys still runs; with it, /sys shows the container's own
            // network devices, read-only.
            try mountSysfs()
        }
        try protectKernelFiles(sources)
        try detachOldRoot()
        try mount("tmpfs", "/tmp", "tmpfs", UInt(MS_NOSUID | MS_NODEV), data: "mode=1777", failure: .namespaces, "cannot mount /tmp")
    }

    /// The host's files, protected: read-only flags first (so they apply to the host's mounts
    /// only), then the fresh mounts over them.
    private func layOutHostFiles(_ sources: HostSources) throws(SetupFailure) {
        if sources.resolvConf >= 0 {
            // Bound first: the file may live under /tmp or a hidden directory.
            try bindReadOnly("/proc/self/fd/\(sources.resolvConf)", "/etc/resolv.conf", failure: .resolvConf, "cannot bind resolv.conf over /etc/resolv.conf")
        }
        try restrictHostMounts()
        try mount("proc", "/proc", "proc", noSetuidDevExec, failure: .namespaces, "cannot mount /proc")
        try disableIPv6()
        try makeDevices(sources)
        if FileIO.kind("/sys") == S_IFDIR { try mountSysfs() }
        try protectKernelFiles(sources)
        for path in arguments.hiddenPaths { try hide(path, sources) }
        try mount("tmpfs", "/tmp", "tmpfs", UInt(MS_NOSUID | MS_NODEV), data: "mode=1777", failure: .namespaces, "cannot mount /tmp")
    }

    /// Covers a host path: an empty read-only tmpfs over a directory, the host's /dev/null
    /// (read-only) over a file. A path that does not exist is left alone.
    private func hide(_ path: String, _ sources: HostSources) throws(SetupFailure) {
        switch FileIO.kind(path) {
        case nil:
            return
        case S_IFDIR:
            try mount("tmpfs", path, "tmpfs", noSetuidDevExec | UInt(MS_RDONLY), data: "mode=755,size=4k", failure: .namespaces, "cannot hide \(path)")
        default:
            guard let null = sources.null else { throw SetupFailure(.namespaces, "cannot hide \(path): no /dev/null to bind over it") }
            try bindReadOnly("/proc/self/fd/\(null)", path, failure: .namespaces, "cannot hide \(path)")
        }
    }

    /// pivot_root into the rootfs, parking the old root on the new root's /tmp (which gets its
    /// own tmpfs once the binds from the old root are done): no directory is added to the root.
    private func pivot(into root: String) throws(SetupFailure) {
        guard chdir(root) == 0 else { throw SetupFailure(.rootfs, "cannot enter the container's root \(root): \(FileIO.lastError)") }
        guard FileIO.kind("tmp", follow: false) == S_IFDIR else {
            throw SetupFailure(.rootfs, "the image's /tmp is not a directory (a symlink?); berth-init mounts a tmpfs there")
        }
        guard Linux.pivotRoot(".", "tmp") == 0 else {
            throw SetupFailure(.rootfs, "cannot pivot_root into \(root): \(FileIO.lastError)")
        }
        guard chdir("/") == 0 else { throw SetupFailure(.rootfs, "cannot enter the new root: \(FileIO.lastError)") }
    }

    /// Detaches the host's root: from here on the container sees only its rootfs.
    private func detachOldRoot() throws(SetupFailure) {
        guard umount2("/tmp", Int32(MNT_DETACH)) == 0 else {
            throw SetupFailure(.rootfs, "cannot unmount the old root: \(FileIO.lastError)")
        }
    }

    /// A bind mount made read-only (a bind ignores MS_RDONLY until it is remounted). Not
    /// nodev: /dev/null bound over a hidden file must still open (and read as empty).
    func bindReadOnly(_ source: String, _ target: String, failure code: SetupFailure.Code, _ message: String) throws(SetupFailure) {
        try mount(source, target, nil, UInt(MS_BIND), failure: code, message)
        try mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID), failure: code, message + " (read-only)")
    }

    func mount(
        _ source: String?, _ target: String, _ type: String?, _ flags: UInt, data: String? = nil,
        failure code: SetupFailure.Code, _ message: String
    ) throws(SetupFailure) {
        let result: Int32 =
            if let data {
                data.withCString { Glibc.mount(source, target, type, flags, $0) }
            } else {
                Glibc.mount(source, target, type, flags, nil)
            }
        guard result == 0 else { throw SetupFailure(code, "\(message): \(FileIO.lastError)") }
    }
}
