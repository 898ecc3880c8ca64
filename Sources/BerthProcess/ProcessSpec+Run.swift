import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ProcessSpec {
    /// Starts the child, writes `input` to its stdin, collects stdout and stderr (those that
    /// are `.pipe`), waits for the end and reaps it. Blocks the calling thread: call it from a
    /// thread of its own or a dispatch queue, never from Swift's cooperative pool.
    ///
    /// With a `timeLimit`, a child still running then gets SIGTERM (its whole group when it
    /// leads one, which is what stops the grandchildren of `sh -c`), and SIGKILL after `grace`.
    /// Throws only when it cannot start; a non-zero exit is a result.
    public func run(input: Data = Data(), timeLimit: Duration? = nil, grace: Duration = .seconds(5)) throws(ProcessError) -> ProcessResult {
        if !input.isEmpty {
            guard case .pipe = standardInput else { preconditionFailure("run(input:) needs standardInput: .pipe") }
            _ = ignoreBrokenPipes
        }
        let child = try start()
        return child.communicate(input: input, timeLimit: timeLimit, grace: grace)
    }
}

extension SpawnedProcess {
    /// `run`'s loop: poll on the pipes and on the child's exit, feed stdin, read stdout and
    /// stderr together (so a child writing a lot while its input is not yet read cannot
    /// deadlock against us), and signal it when the time limit passes. Once the child has
    /// exited, what is left in the pipes is read and the pipes are closed, even if a daemon it
    /// started still holds their other ends.
    func communicate(input: Data, timeLimit: Duration?, grace: Duration, watchExitDescriptor: Bool = true) -> ProcessResult {
        var streams = PipeStreams(takePipes(), input: input)
        defer { streams.closeAll() }
        // A pidfd polls readable once the child has exited; without one (glibc < 2.36), look
        // every 50 ms.
        let exitFD = watchExitDescriptor ? (LinuxSymbols.pidfdOpen?(pid, 0) ?? -1) : -1
        defer { if exitFD >= 0 { close(exitFD) } }
        let clock = ContinuousClock()
        var deadline = timeLimit.map { clock.now + $0 }
        var timedOut = false
        var killed = false
        while !Reaper.hasExited(pid, block: false) {
            if streams.isIdle, exitFD < 0, deadline == nil { break }  // nothing to watch: block in reap
            var fds = streams.pollSet
            if exitFD >= 0 { fds.append(pollfd(fd: exitFD, events: Int16(POLLIN), revents: 0)) }
            var timeout: Int32 = deadline.map { Self.milliseconds($0 - clock.now) } ?? -1
            if exitFD < 0 { timeout = timeout < 0 ? 50 : min(timeout, 50) }
            if poll(&fds, nfds_t(fds.count), timeout) < 0, errno != EINTR { break }
            streams.serve(fds)
            if let due = deadline, clock.now >= due {
                timedOut = true
                signal(killed ? SIGKILL : SIGTERM)
                deadline = killed ? nil : clock.now + grace
                killed = true
            }
        }
        streams.drain()
        let termination = wait()
        return ProcessResult(termination: termination, standardOutput: streams.output, standardError: streams.errors, timedOut: timedOut)
    }

    /// A poll timeout: `duration` rounded up to whole milliseconds, at least 0.
    private static func milliseconds(_ duration: Duration) -> Int32 {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0, seconds < 86_400 else { return seconds < 0 ? 0 : 86_400_000 }
        return Int32(seconds * 1000 + (attoseconds + 999_999_999_999_999) / 1_000_000_000_000_000)
    }
}
