/// What a container may do to its node (the `linux` driver enforces it): Docker's defaults
/// unless the template says otherwise. `capAdd`/`capDrop` change Docker's 14 default
/// capabilities (names as Linux spells them without `CAP_`; `ALL` in `capDrop` starts from
/// none); `privileged` gives every capability, no seccomp filter, unmasked /proc and every
/// device; `noNewPrivileges` (default true) keeps setuid programs and file capabilities from
/// raising privileges; `seccomp: unconfined` drops Docker's default seccomp profile.
public struct SecurityContext: Sendable, Hashable, Codable, StrictDecodable {
    public enum Seccomp: String, Sendable, Codable, CaseIterable, Defaultable {
        case `default`
        case unconfined

        public static var defaultValue: Seccomp { .default }
    }

    @Defaulted public var capAdd: [String]
    @Defaulted public var capDrop: [String]
    @Defaulted public var privileged: Bool
    @Defaulted public var readOnlyRootFilesystem: Bool
    @NullWhenAbsent public var runAsUser: Int?
    @NullWhenAbsent public var runAsGroup: Int?
    @Default<True> public var noNewPrivileges: Bool
    @Defaulted public var seccomp: Seccomp

    /// Every capability Linux knows (<linux/capability.h>, up to CHECKPOINT_RESTORE), without
    /// `CAP_`, in number order.
    public static let knownCapabilities = [
        "CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID", "SETPCAP",
        "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW", "IPC_LOCK", "IPC_OWNER",
        "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT", "SYS_ADMIN", "SYS_BOOT", "SYS_NICE",
        "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD", "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP",
        "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG", "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF",
        "CHECKPOINT_RESTORE",
    ]

    /// Docker's default set (moby's daemon/pkg/oci/caps/defaults.go).
    public static let defaultCapabilities = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
        "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ]

    public init(
        capAdd: [String] = [], capDrop: [String] = [], privileged: Bool = false, readOnlyRootFilesystem: Bool = false,
        runAsUser: Int? = nil, runAsGroup: Int? = nil, noNewPrivileges: Bool = true, seccomp: Seccomp = .default
    ) {
        self.capAdd = capAdd
        self.capDrop = capDrop
        self.privileged = privileged
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.runAsUser = runAsUser
        self.runAsGroup = runAsGroup
        self.noNewPrivileges = noNewPrivileges
        self.seccomp = seccomp
    }

    /// A capability name as written (`NET_ADMIN` or `CAP_NET_ADMIN`) without its prefix.
    static func bare(_ name: String) -> String { name.hasPrefix("CAP_") ? String(name.dropFirst(4)) : name }

    /// The capabilities the container's command keeps, as Docker's TweakCapabilities computes
    /// them: every one when privileged; else the defaults (none after `ALL` in capDrop) minus
    /// capDrop plus capAdd, in number order.
    public var capabilities: [String] {
        if privileged { return Self.knownCapabilities }
        let drop = Set(capDrop.map(Self.bare)), add = Set(capAdd.map(Self.bare))
        let base = drop.contains("ALL") ? Set<String>() : Set(Self.defaultCapabilities).subtracting(drop)
        return Self.knownCapabilities.filter { base.contains($0) || add.contains($0) }
    }

    func validate(field: String) throws(BerthError) {
        for (list, name) in [(capAdd, "capAdd"), (capDrop, "capDrop")] {
            try Rules.count(list.count, max: 64, field: "\(field).\(name)")
            for (i, capability) in list.enumerated() {
                let bare = Self.bare(capability)
                if bare == "ALL", name == "capDrop" { continue }
                guard Self.knownCapabilities.contains(bare) else {
                    let hint = bare == "ALL" ? "ALL is only for capDrop (privileged: true gives every capability)" : "unknown capability"
                    throw .invalidArgument(
                        field: "\(field).\(name)[\(i)]",
                        message: "\(hint): \"\(capability.prefix(80))\"; known: \(Self.knownCapabilities.joined(separator: ", "))"
                    )
                }
            }
        }
        if let runAsUser { try Rules.range(runAsUser, 0...4_294_967_294, field: "\(field).runAsUser") }
        if let runAsGroup { try Rules.range(runAsGroup, 0...4_294_967_294, field: "\(field).runAsGroup") }
    }
}
