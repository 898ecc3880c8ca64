import Glibc

/// The capabilities the command keeps, applied as runc applies an OCI process's sets
/// (libcontainer/capabilities): every capability outside the bounding set is dropped from it
/// (PR_CAPBSET_DROP); then one capset(2) sets effective, permitted and inheritable; then the
/// ambient set is cleared and raised one by one (PR_CAP_AMBIENT). berth-init uses Docker's
/// shape for the sets: bounding = permitted = effective = the container's list, inheritable
/// and ambient empty (Docker since CVE-2022-24769), so a command run as a non-root user
/// ends with no capability after execve, as under Docker.
struct Capabilities {
    /// Linux's capability names (without `CAP_`) by number, as <linux/capability.h> has them.
    /// BerthCore's `SecurityContext.knownCapabilities` lists the same names.
    static let names = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// Docker's default set (moby's daemon/pkg/oci/caps/defaults.go), what a container gets
    /// unless its security context adds or drops some.
    static let dockerDefault = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
        "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ]

    /// The capability numbers kept.
    var kept: Set<Int>
    /// The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap).
    var lastCapability: Int

    /// The sets for a list of names (`ALL` for every capability); nil names an unknown one.
    static func parse(_ list: String) -> (Set<Int>?, unknown: String?) {
        var kept = Set<Int>()
        for name in list.split(separator: ",") where !name.isEmpty {
            let bare = name.uppercased().hasPrefix("CAP_") ? String(name.uppercased().dropFirst(4)) : name.uppercased()
            if bare == "ALL" {
                kept.formUnion(names.indices)
            } else if let number = names.firstIndex(of: bare) {
                kept.insert(number)
            } else {
                return (nil, String(name))
            }
        }
        return (kept, nil)
    }

    /// Whether `name` (`CAP_SYS_ADMIN` or `SYS_ADMIN`) is kept: the seccomp profile's
    /// capability-gated rules ask this.
    func keeps(_ name: String) -> Bool {
        let bare = name.hasPrefix("CAP_") ? String(name.dropFirst(4)) : name
        return Self.names.firstIndex(of: bare).map(kept.contains) ?? false
    }

    /// Drops everything else from the bounding set. Runs before the user changes (dropping
    /// needs CAP_SETPCAP, which root has).
    func dropBounding() -> Int32? {
        for number in 0...lastCapability where !kept.contains(number) {
            if Linux.prctl(24 /* PR_CAPBSET_DROP */, UInt(number)) != 0, errno != EINVAL { return errno }
        }
        return nil
    }

    /// Sets effective = permitted = kept (within what this process is permitted: a capability
    /// the agent itself lacks cannot be granted), inheritable and ambient empty.
    func apply() -> Int32? {
        // struct __user_cap_header_struct { u32 version; int pid; }, version 3: two data words
        // of { u32 effective, permitted, inheritable; }.
        var header: [UInt32] = [0x2008_0522, 0]
        var data = [UInt32](repeating: 0, count: 6)
        let got = header.withUnsafeMutableBytes { h in data.withUnsafeMutableBytes { d in Linux.capabilities("capget", h.baseAddress!, d.baseAddress!) } }
        guard got == 0 else { return errno }
        let permitted = [data[1], data[4]]
        var wanted: [UInt32] = [0, 0]
        for number in kept where number < 64 { wanted[number / 32] |= 1 << UInt32(number % 32) }
        for word in 0..<2 {
            let value = wanted[word] & permitted[word]
            data[word * 3] = value
            data[word * 3 + 1] = value
            data[word * 3 + 2] = 0
        }
        header[1] = 0
        let set = header.withUnsafeMutableBytes { h in data.withUnsafeMutableBytes { d in Linux.capabilities("capset", h.baseAddress!, d.baseAddress!) } }
        guard set == 0 else { return errno }
        // PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL; EINVAL on a kernel without ambient sets.
        if Linux.prctl(47, 4) != 0, errno != EINVAL { return errno }
        return nil
    }

    /// The kernel's highest capability number, read before /proc/sys is made read-only.
    static func lastCapabilityOfKernel() -> Int {
        FileIO.read("/proc/sys/kernel/cap_last_cap").flatMap { Int($0.filter(\.isNumber)) } ?? (names.count - 1)
    }
}
