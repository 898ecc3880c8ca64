#if canImport(Glibc)
import Glibc
#endif

/// How a child ended.
public enum Termination: Sendable, Hashable, CustomStringConvertible {
    /// It called exit (or returned from main) with this code, 0…255.
    case exited(Int32)
    /// A signal ended it.
    case signalled(Int32)
    /// Someone else reaped it (waitpid said ECHILD): it is gone, how is unknown.
    case unknown

    /// The code a shell would report: the exit code, 128 + the signal, or -1 when unknown.
    public var code: Int32 {
        switch self {
        case .exited(let code): code
        case .signalled(let signal): 128 + signal
        case .unknown: -1
        }
    }

    /// The signal that ended it, if one did.
    public var signal: Int32? {
        if case .signalled(let signal) = self { return signal }
        return nil
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit code \(code)"
        case .signalled(let signal): "killed by signal \(signal)"
        case .unknown: "exit status unknown (reaped elsewhere)"
        }
    }

    /// Decodes a raw `waitpid` status (only exits and signals: no WUNTRACED here).
    init(waitStatus raw: Int32) {
        let signal = raw & 0x7f
        self = signal == 0 ? .exited((raw >> 8) & 0xff) : .signalled(signal)
    }
}

/// Reaps a child known only by its pid: one this process spawned and handed on (berth-init's
/// first process, a container the process driver started).
public enum Reaper {
    /// Reaps `pid` once it has exited: its termination, or nil while it runs (with `block`,
    /// waits for the exit instead). Any waitpid error (ECHILD: not our child, or already
    /// reaped) is `.unknown`.
    public static func reap(_ pid: pid_t, block: Bool) -> Termination? {
        var status: Int32 = 0
        while true {
            let result = waitpid(pid, &status, block ? 0 : WNOHANG)
            if result < 0, errno == EINTR { continue }
            if result == pid { return Termination(waitStatus: status) }
            return result < 0 ? .unknown : nil
        }
    }

    /// Whether `pid` has exited, leaving it unreaped (waitid with WNOWAIT), so it can still be
    /// signalled as a zombie and its pid cannot be reused yet.
    static func hasExited(_ pid: pid_t, block: Bool) -> Bool {
        var info = siginfo_t()
        while true {
            if waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT | (block ? 0 : WNOHANG)) == 0 {
                // With WNOHANG and nothing to report, waitid returns 0 with the siginfo zeroed.
                return block || info.si_signo == SIGCHLD
            }
            if errno == EINTR { continue }
            return true  // ECHILD: not ours to wait for any more; reaping will say .unknown
        }
    }
}
