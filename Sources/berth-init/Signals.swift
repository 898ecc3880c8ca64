import Glibc

/// The signals berth-init takes with `sigwaitinfo` rather than handlers: SIGCHLD, and the ones
/// it forwards to the command. Blocked signals are queued even for a pid namespace's init
/// (which the kernel otherwise shields from signals it has no handler for), and waiting for
/// them synchronously needs no global state and no async-signal-safety care.
enum Signals {
    /// Signals passed on to the command as they arrive.
    static let forwarded: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH]

    /// SIGCHLD plus the forwarded signals.
    static var handled: sigset_t {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, SIGCHLD)
        for signal in forwarded { sigaddset(&set, signal) }
        return set
    }

    /// What a freshly exec'd command should start from: nothing blocked, every disposition
    /// back to its default (berth-init ignores SIGPIPE; an agent may have ignored others).
    static func resetForExec() {
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        for signal in 1..<65 where signal != SIGKILL && signal != SIGSTOP {
            Glibc.signal(Int32(signal), SIG_DFL)
        }
    }
}
