import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Calls back when a process ends, for any pid (a child or not: berth-init's monitor, a process
/// adopted from an earlier agent): a pidfd per process (`pidfd_open`), all polled by one thread
/// of its own. It only watches: nothing is reaped, no SIGCHLD handler is installed, so whoever
/// reaps a child (`Reaper`, `SpawnedProcess`) goes on doing so.
///
/// One instance serves the whole process (`shared`); its thread starts with the first watch
/// and sleeps in `poll` until an exit or a new watch (a byte on its wake-up pipe), so an idle
/// process pays nothing for it. (`poll`, not epoll: Swift's Glibc module has no `sys/epoll.h`;
/// a pass costs a few microseconds per thousand processes, and passes happen only on events.)
public final class ExitWatcher: Sendable {
    /// The process-wide watcher.
    public static let shared = ExitWatcher()

    private struct State {
        /// The wake-up pipe (read end, write end), once the thread runs.
        var wake: (read: Int32, write: Int32)?
        var watched: [Int32: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    init() {}

    /// Whether this system can watch exits (glibc 2.36 and Linux 5.3 have `pidfd_open`).
    public static var isAvailable: Bool { LinuxSymbols.pidfdOpen != nil }

    /// Calls `onExit` once, on the watcher's thread, when `pid` has ended (at once, on the
    /// caller's, if it has already). Returns false when it cannot watch (no pidfd here, or the
    /// system refused one): the caller then finds the end by looking, as it did before.
    @discardableResult
    public func watch(_ pid: pid_t, onExit: @escaping @Sendable () -> Void) -> Bool {
        guard let open = LinuxSymbols.pidfdOpen else { return false }
        let fd = open(pid, 0)
        if fd < 0 {
            guard errno == ESRCH else { return false }
            onExit()  // already gone (and reaped)
            return true
        }
        _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        let wake = state.withLock { state -> Int32? in
            if state.wake == nil {
                var ends: [Int32] = [0, 0]
                guard pipe(&ends) == 0 else { return nil }
                for end in ends {
                    _ = fcntl(end, F_SETFD, FD_CLOEXEC)
                    _ = fcntl(end, F_SETFL, O_NONBLOCK)
                }
                state.wake = (ends[0], ends[1])
                let read = ends[0]
                Thread.detachNewThread { [self] in self.run(wake: read) }
            }
            state.watched[fd] = onExit
            return state.wake?.write
        }
        guard let wake else {
            close(fd)
            return false
        }
        var byte: UInt8 = 1
        _ = Glibc.write(wake, &byte, 1)  // a full pipe already says "look again"
        return true
    }

    /// How many processes are watched now.
    public var count: Int { state.withLock { $0.watched.count } }

    private func run(wake: Int32) {
        var drain = [UInt8](repeating: 0, count: 64)
        while true {
            var fds = [pollfd(fd: wake, events: Int16(POLLIN), revents: 0)]
            fds += state.withLock { $0.watched.keys.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) } }
            guard poll(&fds, nfds_t(fds.count), -1) > 0 else { continue }  // EINTR
            if fds[0].revents != 0 { _ = drain.withUnsafeMutableBytes { read(wake, $0.baseAddress, $0.count) } }
            let ready = fds.dropFirst().filter { $0.revents != 0 }.map(\.fd)
            guard !ready.isEmpty else { continue }
            let ended = state.withLock { state in ready.compactMap { state.watched.removeValue(forKey: $0) } }
            for fd in ready { close(fd) }
            for onExit in ended { onExit() }
        }
    }
}
