import Glibc

/// The container's filesystem, laid out inside its new mount namespace.
///
/// Without a rootfs (Nomad raw_exec style) the command sees the host's files, but with its
/// own /proc (its pid namespace), an empty /tmp and /dev/shm, and the given resolv.conf.
/// With a rootfs it sees only that directory: pivot_root into it first, and only then mount
/// /proc, /tmp, a minimal /dev and resolv.conf, so every target path is resolved inside the
/// new root (a symlink in the image cannot point a mount at the host). The sources from the
/// host (device nodes, resolv.conf) are opened with O_PATH before the pivot and bound by
/// their /proc/self/fd names after it; the old root is detached once they are bound.
struct ContainerMounts {
    let arguments: InitArguments

    /// Device nodes bound from the host into a rootfs's /dev.
    static let devices = ["null", "zero", "full", "random", "urandom", "tty"]

    private let noSetuidDevExec = UInt(MS_NOSUID | MS_NODEV | MS_NOEXEC)

    func apply() throws(SetupFailure) {
        try mount(nil, "/", nil, UInt(MS_REC | MS_PRIVATE), failure: .namespaces, "cannot make mounts private")
        if let rootfs = arguments.rootfs {
            try enterRootfs(rootfs)
        } else {
            // Bound first: the file may live under /tmp, which the private tmpfs is about to hide.
            if let resolv = arguments.resolvConf {
                try mount(resolv, "/etc/resolv.conf", nil, UInt(MS_BIND), failure: .resolvConf, "cannot bind \(resolv) over /etc/resolv.conf")
            }
            try mount("proc", "/proc", "proc", noSetuidDevExec, failure: .namespaces, "cannot mount /proc")
            try mount("tmpfs", "/tmp", "tmpfs", UInt(MS_NOSUID | MS_NODEV), data: "mode=1777", failure: .namespaces, "cannot mount /tmp")
            if FileIO.kind("/dev/shm") == S_IFDIR {
                try mount("shm", "/dev/shm", "tmpfs", noSetuidDevExec, data: "mode=1777", failure: .namespaces, "cannot mount /dev/shm")
            }
        }
        if let directory = arguments.workingDirectory, chdir(directory) != 0 {
            throw SetupFailure(.namespaces, "working directory \(directory): \(FileIO.lastError)")
        }
    }

    private func enterRootfs(_ rootfs: String) throws(SetupFailure) {
        var deviceHandles: [(name: String, fd: Int32)] = []
        for name in Self.devices {
            let fd = open("/dev/" + name, Linux.openPath | O_CLOEXEC)
            if fd >= 0 { deviceHandles.append((name, fd)) }
        }
        var resolvHandle: Int32 = -1
        if let resolv = arguments.resolvConf {
            resolvHandle = open(resolv, Linux.openPath | O_CLOEXEC)
            guard resolvHandle >= 0 else { throw SetupFailure(.resolvConf, "cannot open \(resolv): \(FileIO.lastError)") }
        }
        try mount(rootfs, rootfs, nil, UInt(MS_BIND | MS_REC), failure: .rootfs, "cannot bind rootfs \(rootfs)")
        try pivot(into: rootfs)

        try mountPoint("/proc")
        try mount("proc", "/proc", "proc", noSetuidDevExec, failure: .namespaces, "cannot mount /proc")
        try mountPoint("/tmp")
        try mount("tmpfs", "/tmp", "tmpfs", UInt(MS_NOSUID | MS_NODEV), data: "mode=1777", failure: .namespaces, "cannot mount /tmp")
        try mountPoint("/dev")
        try mount("tmpfs", "/dev", "tmpfs", UInt(MS_NOSUID | MS_NOEXEC | MS_NODEV), data: "mode=755,size=65536k", failure: .namespaces, "cannot mount /dev")
        for (name, fd) in deviceHandles {
            let target = "/dev/" + name
            guard FileIO.makeFile(target) else { throw SetupFailure(.namespaces, "cannot create \(target): \(FileIO.lastError)") }
            try mount("/proc/self/fd/\(fd)", target, nil, UInt(MS_BIND), failure: .namespaces, "cannot bind \(target)")
            close(fd)
        }
        for (link, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            symlink(target, "/dev/" + link)
        }
        if mkdir("/dev/shm", 0o1777) == 0 {
            try mount("shm", "/dev/shm", "tmpfs", noSetuidDevExec, data: "mode=1777", failure: .namespaces, "cannot mount /dev/shm")
        }
        if mkdir("/dev/pts", 0o755) == 0,
            (try? mount("devpts", "/dev/pts", "devpts", UInt(MS_NOSUID | MS_NOEXEC), data: "newinstance,ptmxmode=0666,mode=620", failure: .namespaces, "")) != nil
        {
            symlink("pts/ptmx", "/dev/ptmx")
        }
        if FileIO.kind("/sys") == S_IFDIR {
            // Best effort: a rootfs without sysfs still runs; with it, /sys shows the
            // container's own network devices.
            _ = try? mount("sysfs", "/sys", "sysfs", noSetuidDevExec | UInt(MS_RDONLY), failure: .namespaces, "")
        }
        if resolvHandle >= 0 {
            guard FileIO.makeDirectories("/etc"), FileIO.makeFile("/etc/resolv.conf") else {
                throw SetupFailure(.resolvConf, "cannot create /etc/resolv.conf in the rootfs: \(FileIO.lastError)")
            }
            try mount("/proc/self/fd/\(resolvHandle)", "/etc/resolv.conf", nil, UInt(MS_BIND), failure: .resolvConf, "cannot bind resolv.conf")
            close(resolvHandle)
        }
        try detachOldRoot()
    }

    /// Where the host's root stays reachable between pivot_root and the end of the set-up
    /// (bind sources must be in the caller's mount namespace, so it is detached last).
    static let oldRoot = "/.berth-oldroot"

    /// pivot_root into the rootfs, keeping the old root at `oldRoot` for the binds to come.
    private func pivot(into rootfs: String) throws(SetupFailure) {
        guard chdir(rootfs) == 0 else { throw SetupFailure(.rootfs, "cannot enter rootfs \(rootfs): \(FileIO.lastError)") }
        let putOld = String(Self.oldRoot.dropFirst())
        guard mkdir(putOld, 0o700) == 0 || errno == EEXIST else {
            throw SetupFailure(.rootfs, "cannot create \(rootfs)\(Self.oldRoot): \(FileIO.lastError)")
        }
        guard Linux.pivotRoot(".", putOld) == 0 else {
            throw SetupFailure(.rootfs, "cannot pivot_root into \(rootfs): \(FileIO.lastError)")
        }
        guard chdir("/") == 0 else { throw SetupFailure(.rootfs, "cannot enter the new root: \(FileIO.lastError)") }
    }

    /// Detaches the host's root: from here on the container sees only its rootfs.
    private func detachOldRoot() throws(SetupFailure) {
        guard umount2(Self.oldRoot, Int32(MNT_DETACH)) == 0 else {
            throw SetupFailure(.rootfs, "cannot unmount the old root: \(FileIO.lastError)")
        }
        rmdir(Self.oldRoot)
    }

    /// Makes a missing mount point inside the rootfs (the image directory gains it).
    private func mountPoint(_ path: String) throws(SetupFailure) {
        guard FileIO.makeDirectories(path) else {
            throw SetupFailure(.rootfs, "rootfs has no \(path) and it cannot be created: \(FileIO.lastError)")
        }
    }

    private func mount(
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
