import Foundation

/// Everything the kernel side needs to run one container. The agent builds it from a
/// BerthCore `Container` (command, env, image, limits) and the network side's namespace; it
/// is stored as `spec.json` in the container's state directory so that an agent restarted
/// later still knows the container's limits and log.
public struct LinuxContainerSpec: Codable, Sendable, Equatable {
    /// Names the container's state directory and cgroups: letters, digits, `.`, `_`, `-`.
    public var id: String
    /// The hostname inside the container's UTS namespace.
    public var hostname: String
    /// Program and arguments; the program is looked up in the environment's PATH inside the
    /// container's root.
    public var command: [String]
    /// The command's whole environment (berth-init adds a default PATH when there is none).
    public var environment: [String: String]
    /// A root filesystem directory (an image `dir:/path`), or nil to run on the host's files
    /// with private /proc and /tmp.
    public var rootfs: String?
    /// A file bind-mounted over the container's /etc/resolv.conf.
    public var resolvConf: String?
    /// The command's working directory inside the container (default `/`).
    public var workingDirectory: String?
    /// An existing network namespace to join (`/run/netns/NAME`), or nil for the host's.
    public var networkNamespace: String?
    /// Where the command's stdout and stderr are appended. Kept by `remove`, so it should
    /// live outside the runtime's state directory.
    public var logPath: String
    public var limits: ContainerLimits
    /// Capabilities, seccomp, user, masked paths …; nil (a spec.json from before it existed)
    /// reads as the defaults.
    public var security: ContainerSecurity?

    public init(
        id: String, hostname: String, command: [String], environment: [String: String] = [:],
        rootfs: String? = nil, resolvConf: String? = nil, workingDirectory: String? = nil,
        networkNamespace: String? = nil, logPath: String, limits: ContainerLimits = ContainerLimits(),
        security: ContainerSecurity? = ContainerSecurity()
    ) {
        self.id = id
        self.hostname = hostname
        self.command = command
        self.environment = environment
        self.rootfs = rootfs
        self.resolvConf = resolvConf
        self.workingDirectory = workingDirectory
        self.networkNamespace = networkNamespace
        self.logPath = logPath
        self.limits = limits
        self.security = security
    }

    /// The rootfs directory an image names, for the image forms this runtime runs:
    /// `dir:/path` → `/path`. Nil for any other image (nothing here pulls images).
    public static func rootfs(fromImage image: String) -> String? {
        guard image.hasPrefix("dir:") else { return nil }
        let path = String(image.dropFirst(4))
        return path.hasPrefix("/") ? path : nil
    }

    /// Checks what would otherwise fail late, or be unsafe in a path: the message names the
    /// field and the rule.
    public func validate() throws(LinuxRuntimeError) {
        guard Self.isName(id) else {
            throw .invalidSpec("id must be 1-128 letters, digits, '.', '_' or '-', not starting with '.' or '-': \(id)")
        }
        guard !hostname.isEmpty, hostname.utf8.count <= 64,
            hostname.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == ".") })
        else { throw .invalidSpec("hostname must be 1-64 letters, digits, '-' or '.': \(hostname)") }
        guard let program = command.first, !program.isEmpty else { throw .invalidSpec("command must name a program") }
        for key in environment.keys where key.isEmpty || key.contains("=") {
            throw .invalidSpec("environment key must be non-empty and without '=': \(key)")
        }
        let paths: [(String, String?)] = [
            ("rootfs", rootfs), ("resolvConf", resolvConf), ("workingDirectory", workingDirectory),
            ("networkNamespace", networkNamespace), ("logPath", logPath),
        ]
        for (field, path) in paths {
            if let path, !path.hasPrefix("/") { throw .invalidSpec("\(field) must be an absolute path: \(path)") }
        }
        try limits.validate()
        try security?.validate()
        if let rootfs, rootfs.contains(where: { $0 == "," || $0 == ":" || $0 == "\\" }) {
            throw .invalidSpec("rootfs must not contain ',', ':' or '\\' (they separate overlayfs layers and options): \(rootfs)")
        }
    }

    /// Names used in paths: state directories, cgroups, scopes.
    static func isName(_ text: String) -> Bool {
        guard let first = text.first, first != ".", first != "-", text.utf8.count <= 128 else { return false }
        return text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "_" || $0 == "-") }
    }
}

/// The cgroup limits of one container.
public struct ContainerLimits: Codable, Sendable, Equatable {
    /// Memory hard limit in MiB (swap included: none is allowed); nil for no limit.
    public var memoryMiB: Int?
    /// CPU bandwidth in thousandths of a CPU (quota = millicores × 100 µs per 100 ms); 0 for
    /// no limit.
    public var cpuMillicores: Int
    /// Most processes and threads at once, the container's init included; nil for no limit.
    public var pidsMax: Int?

    public init(memoryMiB: Int? = nil, cpuMillicores: Int = 0, pidsMax: Int? = nil) {
        self.memoryMiB = memoryMiB
        self.cpuMillicores = cpuMillicores
        self.pidsMax = pidsMax
    }

    public func validate() throws(LinuxRuntimeError) {
        if let memoryMiB, memoryMiB < 1 { throw .invalidSpec("limits.memoryMiB must be at least 1: \(memoryMiB)") }
        if cpuMillicores < 0 { throw .invalidSpec("limits.cpuMillicores must be 0 (no limit) or more: \(cpuMillicores)") }
        // The kernel refuses a CFS quota under 1 ms.
        if cpuMillicores > 0, cpuMillicores < 10 { throw .invalidSpec("limits.cpuMillicores must be 0 or at least 10: \(cpuMillicores)") }
        // The container's init counts, so one process more than the command needs.
        if let pidsMax, pidsMax < 2 { throw .invalidSpec("limits.pidsMax must be at least 2 (the init and the command): \(pidsMax)") }
    }
}
