import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The children alive now. berth-bench installs signal handlers so that on SIGINT or SIGTERM
/// they are stopped before it exits; a test run never installs them (Swift Testing owns the
/// process), so there the list is only bookkeeping.
public final class ChildRegistry: Sendable {
    public static let shared = ChildRegistry()

    private struct State {
        var pids: Set<Int32> = []
        var sources: [any DispatchSourceSignal] = []
        /// Run after the children are stopped (a network lab's teardown), by key.
        var cleanups: [String: @Sendable () -> Void] = [:]
    }

    private let state = Mutex(State())

    func add(_ pid: Int32) { state.withLock { _ = $0.pids.insert(pid) } }
    func remove(_ pid: Int32) { state.withLock { _ = $0.pids.remove(pid) } }

    /// Runs `cleanup` on SIGINT or SIGTERM, after the children are stopped (nil removes it).
    public func onInterrupt(_ key: String, _ cleanup: (@Sendable () -> Void)?) { state.withLock { $0.cleanups[key] = cleanup } }

    /// On SIGINT or SIGTERM: SIGTERM every child, SIGKILL what is left after 2 s, run the cleanups, exit.
    public func installSignalHandlers() {
        state.withLock { state in
            guard state.sources.isEmpty else { return }
            for signo in [SIGINT, SIGTERM] {
                signal(signo, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
                source.setEventHandler { [self] in stopAll(exitCode: 128 + signo) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    private func stopAll(exitCode: Int32) {
        let pids = state.withLock { $0.pids }
        for pid in pids { kill(pid, SIGTERM) }
        var waited = 0
        while waited < 40, pids.contains(where: { kill($0, 0) == 0 }) {
            usleep(50_000)
            waited += 1
        }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        for cleanup in state.withLock({ Array($0.cleanups.values) }) { cleanup() }
        FileHandle.standardError.write(Data("interrupted; stopped \(pids.count) child process(es)\n".utf8))
        exit(exitCode)
    }
}
