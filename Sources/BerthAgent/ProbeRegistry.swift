import Synchronization

/// The health checks to run, shared between the agent's loop (which adds and removes them)
/// and the prober task (which runs them).
final class ProbeRegistry: Sendable {
    struct Probe: Sendable {
        var target: ProbeTarget
        var path: String
        var interval: Duration
        var timeout: Duration
    }

    private let probes = Mutex<[String: Probe]>([:])

    func set(_ id: String, _ probe: Probe?) { probes.withLock { $0[id] = probe } }
    var all: [String: Probe] { probes.withLock { $0 } }
}
