import Glibc

/// A `dir:` image as the container's root: the image directory read-only at the bottom of an
/// overlayfs, a skeleton of the mount points berth-init needs (/proc, /tmp, /dev,
/// /etc/resolv.conf) under it, and, unless the root is read-only, a writable layer on top
/// whose upper and work directories live in the container's state directory. The image is
/// never written, so containers sharing it cannot change it for each other; what a container
/// writes goes with its state directory when the container is removed. Without a writable
/// layer (`--read-only yes`) the overlay has only lower layers, which overlayfs mounts
/// read-only.
struct RootfsLayer {
    let image: String
    /// The container's state directory (`--state-dir`).
    let stateDirectory: String
    let readOnly: Bool
    let needsResolvConf: Bool

    var base: String { stateDirectory + "/rootfs" }
    var merged: String { base + "/merged" }

    /// Makes the directories and mounts the overlay (nodev: a device node the container makes
    /// in its layer cannot be opened; see the README on cgroup v2); returns its mount point.
    func mount() throws(SetupFailure) -> String {
        let skeleton = base + "/skeleton", upper = base + "/upper", work = base + "/work"
        var directories = [base, skeleton, skeleton + "/proc", skeleton + "/dev", skeleton + "/tmp", merged]
        if needsResolvConf { directories.append(skeleton + "/etc") }
        if !readOnly { directories += [upper, work] }
        for directory in directories where !FileIO.makeDirectories(directory, mode: 0o755) {
            throw SetupFailure(.rootfs, "cannot create \(directory) for the container's root: \(FileIO.lastError)")
        }
        chmod(skeleton + "/tmp", 0o1777)
        if needsResolvConf, !FileIO.makeFile(skeleton + "/etc/resolv.conf") {
            throw SetupFailure(.rootfs, "cannot create \(skeleton)/etc/resolv.conf: \(FileIO.lastError)")
        }
        var options = "lowerdir=\(image):\(skeleton)"
        if !readOnly { options += ",upperdir=\(upper),workdir=\(work)" }
        let flags = UInt(MS_NODEV) | (readOnly ? UInt(MS_RDONLY) : 0)
        let result = options.withCString { Glibc.mount("overlay", merged, "overlay", flags, $0) }
        guard result == 0 else {
            throw SetupFailure(.rootfs, "cannot mount the overlay of \(image) (\(options)): \(FileIO.lastError)")
        }
        return merged
    }
}
