/// Why a container could not be started, with the exit code berth-init reports for it. The
/// codes sit just below the shell's 126/127 (and docker's 125) so that each class of setup
/// failure is told apart from any other, and from a command that ran and failed.
/// BerthRuntime's `SetupFailureCode` mirrors this table.
struct SetupFailure: Error {
    enum Code: Int32 {
        /// The resolv.conf to bind is missing or cannot be bound.
        case resolvConf = 118
        /// Mount, UTS or IPC namespace setup, /proc, /tmp, /dev, hostname, working directory.
        case namespaces = 119
        /// The state directory or the log file cannot be written.
        case stateOrLog = 120
        /// A cgroup to join is missing or refuses the process.
        case cgroup = 121
        /// The network namespace is missing or cannot be joined.
        case networkNamespace = 122
        /// The user, capabilities, no_new_privs or seccomp filter cannot be applied.
        case security = 123
        /// The rootfs is missing, not a directory, or pivot_root into it failed.
        case rootfs = 124
        /// berth-init itself: bad command line, fork or pipe failure, init died in setup.
        case internalError = 125
        /// The command exists but cannot be executed.
        case commandNotExecutable = 126
        /// The command is not found (in PATH, inside the container's root).
        case commandNotFound = 127
    }

    var code: Code
    var message: String

    init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    /// The line the init sends the monitor and the monitor writes into `exit`.
    var record: String { "error \(code.rawValue) \(message)" }

    /// Parses `error CODE MESSAGE` back (the monitor reading its init's report).
    init?(record: String) {
        let parts = record.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "error", let raw = Int32(parts[1]) else { return nil }
        self.init(Code(rawValue: raw) ?? .internalError, String(parts[2]))
    }
}
