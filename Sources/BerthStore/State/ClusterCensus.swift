import BerthCore

/// The counts the dashboard's summary shows, kept by `ClusterModel` as containers come, change
/// and go (each row's old share subtracted, its new one added), so a summary costs the number
/// of services and nodes, not of containers.
struct ClusterCensus: Sendable, Equatable {
    /// A service's containers in `running`, and those whose desired state is running.
    struct Tally: Sendable, Equatable, CustomStringConvertible {
        var running = 0
        var wanted = 0
        var isEmpty: Bool { running == 0 && wanted == 0 }
        var description: String { "\(running) running, \(wanted) wanted" }
    }

    private(set) var states: [ContainerState: Int] = [:]
    private(set) var services: [String: Tally] = [:]

    /// Adds (`sign` 1) or takes away (`sign` -1) one container's share.
    mutating func count(_ view: ContainerView, _ sign: Int) {
        states[view.state, default: 0] += sign
        if states[view.state] == 0 { states[view.state] = nil }
        guard let service = view.service else { return }
        var tally = services[service] ?? Tally()
        if view.state == .running { tally.running += sign }
        if view.desiredState == .running { tally.wanted += sign }
        services[service] = tally.isEmpty ? nil : tally
    }
}
