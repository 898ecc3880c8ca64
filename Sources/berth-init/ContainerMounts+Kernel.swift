import Glibc

/// The kernel's files a container must not change or read, as runc with Docker's defaults
/// lays them out: a fresh /dev with only the harmless nodes, masked and read-only /proc
/// paths, a read-only /sys, and (on the host's files) nodev everywhere.
extension ContainerMounts {
    /// Docker's masked paths (moby's daemon/pkg/oci/defaults.go): an empty read-only tmpfs
    /// over a directory, /dev/null over a file.
    static let maskedPaths = [
        "/proc/acpi", "/proc/asound", "/proc/interrupts", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
        "/proc/sched_debug", "/proc/scsi", "/proc/timer_list", "/proc/timer_stats", "/sys/devices/virtual/powercap",
        "/sys/firmware",
    ]
    /// Docker's read-only paths: bound over themselves read-only.
    static let readOnlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]

    /// A tmpfs /dev (nodev: a node made there cannot be opened) with the host's harmless
    /// character devices bound in, a devpts of its own for ptmx and pts, /dev/shm, and the
    /// fd/stdin/stdout/stderr links. The devices cgroup (v1) allows exactly these.
    func makeDevices(_ sources: HostSources) throws(SetupFailure) {
        guard FileIO.makeDirectories("/dev") else { throw SetupFailure(.namespaces, "there is no /dev and it cannot be created: \(FileIO.lastError)") }
        try mount("tmpfs", "/dev", "tmpfs", UInt(MS_NOSUID | MS_NOEXEC | MS_NODEV), data: "mode=755,size=65536k", failure: .namespaces, "cannot mount /dev")
        for (name, fd) in sources.devices {
            let target = "/dev/" + name
            guard FileIO.makeFile(target) else { throw SetupFailure(.namespaces, "cannot create \(target): \(FileIO.lastError)") }
            try bindDevice(fd, target)
        }
        for (link, target) in [("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"), ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2")] {
            symlink(target, "/dev/" + link)
        }
        if mkdir("/dev/shm", 0o1777) == 0 {
            try mount("shm", "/dev/shm", "tmpfs", noSetuidDevExec, data: "mode=1777", failure: .namespaces, "cannot mount /dev/shm")
        }
        guard mkdir("/dev/pts", 0o755) == 0 else { throw SetupFailure(.namespaces, "cannot create /dev/pts: \(FileIO.lastError)") }
        try mount("devpts", "/dev/pts", "devpts", UInt(MS_NOSUID | MS_NOEXEC), data: "newinstance,ptmxmode=0666,mode=620",
                  failure: .namespaces, "cannot mount /dev/pts")
        symlink("pts/ptmx", "/dev/ptmx")
    }

    /// Binds one of the host's device nodes (an O_PATH handle) over `target`, then remounts
    /// the bind without nodev: on the host's files the handle's mount was made nodev with the
    /// rest, and a bind inherits that.
    func bindDevice(_ fd: Int32, _ target: String) throws(SetupFailure) {
        try mount("/proc/self/fd/\(fd)", target, nil, UInt(MS_BIND), failure: .namespaces, "cannot bind \(target)")
        try mount(nil, target, nil, UInt(MS_BIND | MS_REMOUNT | MS_NOSUID | MS_NOEXEC), failure: .namespaces, "cannot bind \(target) (flags)")
    }

    /// A sysfs of the container's network namespace, read-only unless privileged. Over the
    /// host's /sys it also hides /sys/fs/cgroup and everything mounted under it.
    /// In the host's network namespace (no `--netns`) the kernel refuses a second sysfs with
    /// other flags (EBUSY): the host's /sys is then bound read-only, its cgroup tree covered.
    func mountSysfs() throws(SetupFailure) {
        let flags = noSetuidDevExec | (arguments.privileged ? 0 : UInt(MS_RDONLY))
        if Glibc.mount("sysfs", "/sys", "sysfs", flags, nil) == 0 { return }
        guard errno == EBUSY else { throw SetupFailure(.namespaces, "cannot mount /sys: \(FileIO.lastError)") }
        try mount("/sys", "/sys", nil, UInt(MS_BIND | MS_REC), failure: .namespaces, "cannot bind /sys")
        try mount(nil, "/sys", nil, UInt(MS_BIND | MS_REMOUNT) | flags, failure: .namespaces, "cannot make /sys read-only")
        if FileIO.kind("/sys/fs/cgroup") == S_IFDIR {
            try mount("tmpfs", "/sys/fs/cgroup", "tmpfs", noSetuidDevExec | UInt(MS_RDONLY), data: "mode=755,size=4k", failure: .namespaces, "cannot hide /sys/fs/cgroup")
        }
    }

    /// Masked and read-only paths (not for a privileged container). A path this kernel does
    /// not have is skipped, as runc does.
    func protectKernelFiles(_ sources: HostSources) throws(SetupFailure) {
        guard !arguments.privileged else { return }
        // Docker also masks each CPU's thermal_throttle (GHSA-6fw5-f8r9-fgfm).
        var cpus: [String] = []
        if let directory = opendir("/sys/devices/system/cpu") {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if name.hasPrefix("cpu"), name.dropFirst(3).allSatisfy(\.isNumber), name.count > 3 {
                    cpus.append("/sys/devices/system/cpu/\(name)/thermal_throttle")
                }
            }
            closedir(directory)
        }
        for path in Self.maskedPaths + cpus {
            switch FileIO.kind(path) {
            case nil:
                continue
            case S_IFDIR:
                try mount("tmpfs", path, "tmpfs", UInt(MS_RDONLY) | noSetuidDevExec, failure: .namespaces, "cannot mask \(path)")
            default:
                guard let null = sources.null else { throw SetupFailure(.namespaces, "cannot mask \(path): no /dev/null") }
                try bindDevice(null, path)
            }
        }
        for path in Self.readOnlyPaths where FileIO.kind(path) != nil {
            try mount(path, path, nil, UInt(MS_BIND | MS_REC), failure: .namespaces, "cannot bind \(path) read-only")
            try mount(nil, path, nil, UInt(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_REC) | noSetuidDevExec, failure: .namespaces, "cannot make \(path) read-only")
        }
    }

    /// IPv6 off in the container's network namespace (Berth filters IPv4 only, so a link-local
    /// IPv6 path would bypass policy): `all`, `default` and every interface already there.
    /// Only when the container joins a namespace of its own: never the host's.
    func disableIPv6() throws(SetupFailure) {
        guard arguments.networkNamespace != nil, FileIO.kind("/proc/sys/net/ipv6/conf") == S_IFDIR else { return }
        var interfaces = ["all", "default"]
        if let directory = opendir("/proc/sys/net/ipv6/conf") {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
                if !name.hasPrefix("."), !interfaces.contains(name) { interfaces.append(name) }
            }
            closedir(directory)
        }
        for interface in interfaces {
            if let error = FileIO.writeExisting("/proc/sys/net/ipv6/conf/\(interface)/disable_ipv6", "1") {
                throw SetupFailure(.namespaces, "cannot disable IPv6 on \(interface): \(String(cString: strerror(error)))")
            }
        }
    }

    /// The host's mounts as the container sees them: nodev on every one (a device node made on
    /// a writable host directory cannot be opened: what stands in for the devices cgroup on
    /// cgroup v2), and read-only too with `--read-only yes`. One mount_setattr(2) over the
    /// tree; on a kernel before 5.12 each mount is remounted with its own flags kept.
    func restrictHostMounts() throws(SetupFailure) {
        let nodev: UInt64 = 0x4, readOnly: UInt64 = 0x1  // MOUNT_ATTR_NODEV, MOUNT_ATTR_RDONLY
        let set = nodev | (arguments.readOnly ? readOnly : 0)
        if Linux.mountSetattr("/", recursive: true, set: set) == 0 { return }
        guard errno == ENOSYS else { throw SetupFailure(.namespaces, "cannot restrict the host's mounts: \(FileIO.lastError)") }
        let added = UInt(MS_NODEV) | (arguments.readOnly ? UInt(MS_RDONLY) : 0)
        for point in FileIO.mountPoints() {
            var info = statvfs()
            guard statvfs(point, &info) == 0 else { continue }
            // ST_* bits match the MS_* bits they stand for (RDONLY, NOSUID, NODEV, NOEXEC, …).
            let kept = info.f_flag & UInt(MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME)
            try mount(nil, point, nil, UInt(MS_BIND | MS_REMOUNT) | kept | added, failure: .namespaces, "cannot restrict the host mount \(point)")
        }
    }
}
