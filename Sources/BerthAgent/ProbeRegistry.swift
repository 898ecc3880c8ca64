import Synchronization

/// The health checks to run, shared between the agent's loop (which adds and removes them)
/// and the health loop (which runs them, woken by each change).
final class ProbeRegistry: Sendable {
    struct Probe: Sendable {
        var target: ProbeTarget
        var path: String
        var interval: Duration
        var timeout: Duration
    }

    private let probes = Mutex<[String: Probe]>([:])
    /// Wakes the health loop: a probe set or removed, or its timer.
    let wakeups: AsyncStream<Void>
    private let wakeup: AsyncStream<Void>.Continuation

    init() {
        (wakeups, wakeup) = AsyncStream.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    func set(_ id: String, _ probe: Probe?) {
        probes.withLock { $0[id] = probe }
        wake()
    }

    var all: [String: Probe] { probes.withLock { $0 } }

    /// Makes the health loop look again.
    func wake() { wakeup.yield() }
}
