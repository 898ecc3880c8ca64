@testable import BerthCore
import Foundation

/// Small builders for scheduler inputs, so each table row reads as the case it is.
enum SchedFixture {
    /// A node with room for plenty unless told otherwise.
    static func node(
        _ name: String, cpu: Int = 4000, memory: Int = 8192, labels: [String: String] = [:],
        allocated: Resources = .zero, status: NodeStatus = .ready, availability: Availability = .active,
        perService: [String: Int] = [:], ports: Set<Int> = [], containers: Int = 0, hasSubnet: Bool = true,
        address: String = "10.0.0.1"
    ) -> NodeState {
        NodeState(
            name: name, address: address, labels: labels, capacity: Resources(cpu: cpu, memory: memory),
            allocated: allocated, status: status, availability: availability, perService: perService,
            usedHostPorts: ports, containers: containers, hasSubnet: hasSubnet
        )
    }

    static func request(
        _ id: String, service: String? = "web", cpu: Int = 100, memory: Int = 64, constraints: [String] = [],
        preferences: [(String, Int)] = [], strategy: PlacementStrategy = .spread, spreadBy: [String] = [],
        maxPerNode: Int = 0, hostPorts: [Int] = [], pinnedNode: String? = nil
    ) -> PlacementRequest {
        PlacementRequest(
            container: id, service: service, resources: Resources(cpu: cpu, memory: memory),
            constraints: constraints.map(constraint), preferences: preferences.map { WeightedConstraint(constraint($0.0), weight: $0.1) },
            strategy: strategy, spreadBy: spreadBy, maxPerNode: maxPerNode, hostPorts: hostPorts, pinnedNode: pinnedNode
        )
    }

    /// `count` requests of one shape, ids `prefix-0`, `prefix-1`, ….
    static func requests(
        _ count: Int, prefix: String = "c", service: String? = "web", cpu: Int = 100, memory: Int = 64,
        constraints: [String] = [], preferences: [(String, Int)] = [], strategy: PlacementStrategy = .spread,
        spreadBy: [String] = [], maxPerNode: Int = 0, hostPorts: [Int] = []
    ) -> [PlacementRequest] {
        (0..<count).map {
            request("\(prefix)-\($0)", service: service, cpu: cpu, memory: memory, constraints: constraints,
                    preferences: preferences, strategy: strategy, spreadBy: spreadBy, maxPerNode: maxPerNode, hostPorts: hostPorts)
        }
    }

    /// Parses a constraint written in the test; the literals are known to be valid.
    static func constraint(_ text: String) -> Constraint {
        do { return try Constraint.parse(text) } catch { fatalError("bad constraint in test: \(error)") }
    }
}

extension SchedulePlan {
    /// Node name per container id.
    var placement: [String: String] {
        Dictionary(uniqueKeysWithValues: assignments.map { ($0.container, $0.node) })
    }

    /// How many containers went to each node.
    var perNode: [String: Int] {
        assignments.reduce(into: [:]) { $0[$1.node, default: 0] += 1 }
    }
}
