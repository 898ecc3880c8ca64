/// Where a container is, as far as its state directory and the kernel say.
public enum LinuxContainerStatus: Sendable, Equatable {
    /// berth-init runs but the command has not been exec'd yet.
    case starting
    /// The container's init runs; `pid` is its host pid (pid 1 inside).
    case running(pid: Int32)
    /// It ended, failed to start, or is a leftover with nothing running.
    case exited(LinuxContainerExit)

    public var isRunning: Bool {
        if case .running = self { return true }
        return false
    }

    public var exit: LinuxContainerExit? {
        if case .exited(let exit) = self { return exit }
        return nil
    }
}

/// How a container ended.
public struct LinuxContainerExit: Sendable, Equatable, Codable {
    /// The command's exit code; 128 + signal when a signal killed it; berth-init's
    /// `SetupFailureCode` when it never ran; nil when nobody saw the end.
    public var code: Int32?
    /// The signal that killed the command (or its init), if one did.
    public var signal: Int32?
    /// The container's memory cgroup recorded an OOM kill.
    public var oomKilled: Bool
    /// The command never ran: `reason` says why.
    public var setupFailed: Bool
    /// For people: nil for a plain exit, else "OOM killed (memory limit 32 MiB)", "killed by
    /// signal 9", "error: rootfs /x does not exist", "exit code unknown: …".
    public var reason: String?

    public init(code: Int32?, signal: Int32? = nil, oomKilled: Bool = false, setupFailed: Bool = false, reason: String? = nil) {
        self.code = code
        self.signal = signal
        self.oomKilled = oomKilled
        self.setupFailed = setupFailed
        self.reason = reason
    }
}

/// One container the runtime knows of, from its state directory, its cgroups, or both.
public struct LinuxContainerListing: Sendable, Equatable {
    public var id: String
    public var status: LinuxContainerStatus
    /// A state directory exists (`<state>/<id>`).
    public var hasState: Bool
    /// At least one of its cgroup directories exists.
    public var hasCgroup: Bool
}

/// The `exit` record berth-init's monitor writes: `exited CODE`, `signaled SIGNAL` or
/// `error CODE MESSAGE`, then optionally `oom_kill N`.
struct ExitRecord: Equatable {
    enum Outcome: Equatable {
        case exited(Int32)
        case signaled(Int32)
        case setupFailed(code: Int32, message: String)
    }

    var outcome: Outcome
    var oomKills: Int?

    init(outcome: Outcome, oomKills: Int? = nil) {
        self.outcome = outcome
        self.oomKills = oomKills
    }

    init?(text: String) {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return nil }
        let words = first.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard words.count >= 2, let number = Int32(words[1]) else { return nil }
        switch words[0] {
        case "exited": outcome = .exited(number)
        case "signaled": outcome = .signaled(number)
        case "error": outcome = .setupFailed(code: number, message: words.count == 3 ? String(words[2]) : "")
        default: return nil
        }
        oomKills = lines.dropFirst().first { $0.hasPrefix("oom_kill ") }.flatMap { Int($0.dropFirst("oom_kill ".count)) }
    }

    /// The record as the runtime reports it, with the memory limit for an OOM reason.
    func exit(memoryLimitMiB: Int?) -> LinuxContainerExit {
        let oom = (oomKills ?? 0) > 0
        let oomReason = "OOM killed (memory limit \(memoryLimitMiB.map { "\($0) MiB" } ?? "none"))"
        switch outcome {
        case .exited(let code):
            return LinuxContainerExit(code: code, oomKilled: oom, reason: oom ? oomReason : nil)
        case .signaled(let signal):
            return LinuxContainerExit(code: 128 + signal, signal: signal, oomKilled: oom, reason: oom ? oomReason : "killed by signal \(signal)")
        case .setupFailed(let code, let message):
            return LinuxContainerExit(code: code, setupFailed: true, reason: "error: \(message)")
        }
    }
}
