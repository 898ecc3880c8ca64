import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A started child, until it is reaped. It may outlive this object: dropping it closes this
/// process's pipe ends but neither kills nor reaps the child (berth-init and the process
/// driver's containers outlive the call that starts them, and the agent too; they are reaped,
/// or adopted, by pid: `Reaper.reap`).
///
/// Signalling and reaping are ordered by one lock, so a signal never reaches a pid that was
/// reaped (and maybe reused): a blocking wait first waits with WNOWAIT, leaving a zombie that
/// still holds the pid, and reaps under the lock.
public final class SpawnedProcess: Sendable {
    public let pid: pid_t
    /// Whether it leads a process group of its own (`ProcessSpec.ownProcessGroup`).
    public let leadsProcessGroup: Bool
    /// This process's ends of the child's pipes: stdin's write end, stdout's and stderr's read
    /// ends (-1 where that stream is not a pipe, or once taken or closed).
    private let pipes: Mutex<[Int32]>
    private let reaped = Mutex<Termination?>(nil)

    init(pid: pid_t, leadsProcessGroup: Bool, pipes: [Int32]) {
        self.pid = pid
        self.leadsProcessGroup = leadsProcessGroup
        self.pipes = Mutex(pipes)
    }

    deinit {
        for fd in pipes.withLock({ $0 }) where fd >= 0 { close(fd) }
    }

    /// The write end of its stdin pipe (`StandardInput.pipe`), nil otherwise. This object owns
    /// it: `closeStandardInput()` ends the child's input.
    public var standardInput: Int32? { descriptor(0) }
    /// The read end of its stdout pipe (`StandardOutput.pipe`), nil otherwise.
    public var standardOutput: Int32? { descriptor(1) }
    /// The read end of its stderr pipe, nil otherwise.
    public var standardError: Int32? { descriptor(2) }

    private func descriptor(_ index: Int) -> Int32? {
        let fd = pipes.withLock { $0[index] }
        return fd >= 0 ? fd : nil
    }

    /// Writes all of `bytes` to its stdin pipe (blocking); false if there is none or it broke.
    @discardableResult
    public func write(_ bytes: [UInt8]) -> Bool {
        guard let fd = standardInput else { return false }
        _ = ignoreBrokenPipes
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return false } }
            written += n
        }
        return true
    }

    /// Closes its stdin pipe: the child reads end-of-file.
    public func closeStandardInput() {
        let fd = pipes.withLock { pipes in defer { pipes[0] = -1 }; return pipes[0] }
        if fd >= 0 { close(fd) }
    }

    /// Hands the pipe ends to the caller, who closes them (`run` does).
    func takePipes() -> [Int32] {
        pipes.withLock { pipes in defer { pipes = [-1, -1, -1] }; return pipes }
    }

    /// Sends `signal` to the child (to its whole group when it leads one and `group` is true),
    /// unless it has been reaped. False when it was reaped or kill failed.
    @discardableResult
    public func signal(_ signal: Int32, group: Bool = true) -> Bool {
        reaped.withLock { reaped in
            guard reaped == nil else { return false }
            if group, leadsProcessGroup, kill(-pid, signal) == 0 { return true }
            return kill(pid, signal) == 0
        }
    }

    /// Reaps it once it has exited: its termination, or nil while it runs (never blocks).
    public var termination: Termination? { reap(block: false) }

    /// Waits for the exit and reaps it.
    public func wait() -> Termination { reap(block: true) ?? .unknown }

    /// Reaps it if it has exited; with `block`, waits for that first (unbounded: see `run` for
    /// a time limit). Repeated calls return the same termination.
    public func reap(block: Bool) -> Termination? {
        if block, reaped.withLock({ $0 }) == nil { _ = Reaper.hasExited(pid, block: true) }
        return reaped.withLock { reaped in
            if reaped == nil { reaped = Reaper.reap(pid, block: false) }
            return reaped
        }
    }
}

/// A child that exits before reading all of its input must make the write fail (EPIPE), not
/// kill this process with SIGPIPE; SwiftNIO ignores SIGPIPE for the same reason. Set once, the
/// first time this process writes to a child; children get default signal handling back.
let ignoreBrokenPipes: Void = { _ = Glibc.signal(SIGPIPE, SIG_IGN) }()
