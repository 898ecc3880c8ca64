/// What a container may do to its node, as berth-init enforces it: the capabilities its
/// command keeps, no_new_privs, Docker's default seccomp profile, masked and read-only kernel
/// files, the devices cgroup, its user, a read-only root, and (on the host's files) the paths it
/// must not see. The defaults are runc's and Docker's: this is the floor, and each field only
/// relaxes or tightens it on purpose.
public struct ContainerSecurity: Codable, Sendable, Equatable {
    /// Docker's default capability set (moby's daemon/pkg/oci/caps/defaults.go).
    public static let defaultCapabilities = [
        "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
        "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE",
    ]

    public enum Seccomp: String, Codable, Sendable {
        /// Docker's default profile (berth-init's SeccompProfile).
        case `default`
        /// No filter at all.
        case unconfined
    }

    /// The capabilities the command keeps (names without `CAP_`): bounding, permitted and
    /// effective; inheritable and ambient stay empty, as under Docker.
    public var capabilities: [String]
    /// No masked or read-only /proc paths, a writable /sys, every device in the devices cgroup.
    /// It does not add capabilities or drop the seccomp filter by itself: the caller does
    /// (BerthCore's `SecurityContext` does both for `privileged: true`).
    public var privileged: Bool
    public var noNewPrivileges: Bool
    public var seccomp: Seccomp
    /// A `dir:` image without a writable layer; the host's files read-only.
    public var readOnlyRootFilesystem: Bool
    /// The command's user and group ids (nil: 0).
    public var user: UInt32?
    public var group: UInt32?
    /// Host files only (no rootfs): paths covered, an empty tmpfs over a directory, /dev/null
    /// over a file. The runtime adds its own state directory and /run/netns to these.
    public var hiddenPaths: [String]

    public init(
        capabilities: [String] = ContainerSecurity.defaultCapabilities, privileged: Bool = false, noNewPrivileges: Bool = true,
        seccomp: Seccomp = .default, readOnlyRootFilesystem: Bool = false, user: UInt32? = nil, group: UInt32? = nil,
        hiddenPaths: [String] = []
    ) {
        self.capabilities = capabilities
        self.privileged = privileged
        self.noNewPrivileges = noNewPrivileges
        self.seccomp = seccomp
        self.readOnlyRootFilesystem = readOnlyRootFilesystem
        self.user = user
        self.group = group
        self.hiddenPaths = hiddenPaths
    }

    public func validate() throws(LinuxRuntimeError) {
        for name in capabilities
        where name.isEmpty || !name.allSatisfy({ $0.isASCII && ($0.isUppercase || $0.isNumber || $0 == "_") }) {
            throw .invalidSpec("security.capabilities must be capability names like NET_ADMIN: \(name)")
        }
        for path in hiddenPaths where !path.hasPrefix("/") || path == "/" {
            throw .invalidSpec("security.hiddenPaths must be absolute paths other than /: \(path)")
        }
    }
}
