/// Why the runtime could not do what it was asked. The description is what an agent shows
/// as the container's reason, so each one names the file, the value and the cause.
public enum LinuxRuntimeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A spec or configuration value breaks a rule (the message names the field).
    case invalidSpec(String)
    /// No cgroup hierarchy with the needed controllers is mounted.
    case noCgroups(String)
    /// A limit was asked for but its controller is not available.
    case controllerMissing(controller: String)
    /// A cgroup directory or control file could not be made or written.
    case cgroupWrite(path: String, reason: String)
    /// The cgroup v2 device filter (a BPF program) could not be loaded or attached; the
    /// reason names the bpf(2) step, the errno and, when the kernel refused the program, the
    /// verifier's log.
    case deviceFilter(path: String, reason: String)
    /// A cgroup still had members (or children) after the bounded kill-and-retry.
    case cgroupBusy(path: String, members: [Int32])
    /// `start` for an id that already has state: remove it first.
    case alreadyExists(id: String)
    /// The berth-init executable is not where it was looked for.
    case initNotFound(String)
    /// posix_spawn of berth-init failed.
    case spawnFailed(String)
    /// berth-init reported a setup failure (`code` is its SetupFailureCode).
    case startFailed(id: String, code: Int32, message: String)
    /// Neither `pid` nor `exit` appeared within the start timeout.
    case startTimedOut(id: String, after: Duration)
    /// The state directory could not be written or read.
    case stateIO(String)

    public var description: String {
        switch self {
        case .invalidSpec(let message): "invalid container spec: \(message)"
        case .noCgroups(let message): "no usable cgroups: \(message)"
        case .controllerMissing(let controller): "the \(controller) cgroup controller is not available"
        case .cgroupWrite(let path, let reason): "cannot write cgroup \(path): \(reason)"
        case .deviceFilter(let path, let reason): "cannot restrict devices in cgroup \(path): \(reason)"
        case .cgroupBusy(let path, let members):
            "cgroup \(path) is still in use (\(members.isEmpty ? "no member processes left" : "pids \(members.map(String.init).joined(separator: ","))"))"
        case .alreadyExists(let id): "container \(id) already has runtime state; remove it first"
        case .initNotFound(let message): "berth-init not found: \(message)"
        case .spawnFailed(let message): "cannot start berth-init: \(message)"
        case .startFailed(_, _, let message): "error: \(message)"
        case .startTimedOut(let id, let after): "container \(id) did not start within \(after)"
        case .stateIO(let message): "runtime state: \(message)"
        }
    }
}

/// berth-init's setup failure codes (the `error CODE …` line of an `exit` record). They sit
/// below the shell's 126/127 so that each class is told apart from a command's own status.
public enum SetupFailureCode: Int32, Sendable {
    case resolvConf = 118
    case namespaces = 119
    case stateOrLog = 120
    case cgroup = 121
    case networkNamespace = 122
    case security = 123
    case rootfs = 124
    case internalError = 125
    case commandNotExecutable = 126
    case commandNotFound = 127
}
