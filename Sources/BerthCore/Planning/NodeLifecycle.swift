import Foundation

/// Node health and availability: a pure planner over (nodes, containers, now).
///
/// A `ready` node silent for longer than the timeout goes `down`; whatever it ran is `lost`
/// (its addresses are released and its services replace it) and told to stop, so a node that
/// comes back stops the stale copies. Standalone containers on a draining node are stopped;
/// service replicas are moved by the service reconciler, replacement first.
public struct NodeLifecycle: Sendable {
    public var timeout: Duration

    public init(timeout: Duration = .seconds(15)) {
        self.timeout = timeout
    }

    public struct Plan: Sendable, Equatable {
        public var markDown: [String] = []
        /// Container id → reason: becomes `lost`, `desiredState: stopped`.
        public var lose: [String: String] = [:]
        /// Container id → reason: `desiredState: stopped`.
        public var stop: [String: String] = [:]
        /// When the next node would time out if it stays silent.
        public var wakeAt: Date?

        public init() {}

        public var isEmpty: Bool { markDown.isEmpty && lose.isEmpty && stop.isEmpty }
    }

    public struct NodeHealth: Sendable, Hashable {
        public var name: String
        public var status: NodeStatus
        public var availability: Availability
        public var lastHeartbeat: Date?

        public init(name: String, status: NodeStatus, availability: Availability, lastHeartbeat: Date?) {
            self.name = name
            self.status = status
            self.availability = availability
            self.lastHeartbeat = lastHeartbeat
        }
    }

    public func plan(nodes: [NodeHealth], containers: [ContainerView], now: Date) -> Plan {
        var plan = Plan()
        var down = Set<String>()
        var draining = Set<String>()
        for node in nodes.sorted(by: { $0.name < $1.name }) {
            let last = node.lastHeartbeat ?? .distantPast
            let deadline = last.addingTimeInterval(timeout.timeInterval)
            if node.status == .ready {
                if deadline <= now {
                    plan.markDown.append(node.name)
                    down.insert(node.name)
                } else {
                    plan.wakeAt = plan.wakeAt.map { min($0, deadline) } ?? deadline
                }
            } else {
                down.insert(node.name)
            }
            if node.availability == .drain { draining.insert(node.name) }
        }
        for container in containers {
            guard let node = container.node, !container.state.isTerminal else { continue }
            if down.contains(node) {
                plan.lose[container.id] = "node \(node) is down (no heartbeat for \(DurationText.format(timeout)))"
            } else if draining.contains(node), container.service == nil, container.desiredState == .running {
                plan.stop[container.id] = "node \(node) is draining"
            }
        }
        return plan
    }
}
