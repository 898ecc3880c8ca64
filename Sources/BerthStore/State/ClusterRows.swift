import BerthCore
import Foundation

/// One container as the in-memory `ClusterState` holds it: what the controllers decide on, not
/// its whole spec (the API reads that from the store).
public struct ContainerRow: Sendable, Equatable {
    public var view: ContainerView
    /// The row's `modify_index`: a plan applied later skips the container if it moved on.
    public var modifyIndex: UInt64
    public var resources: Resources
    public var staticPorts: [Int]
    /// Its address on its node's subnet, while it holds one (its lease is released with it).
    public var address: UInt32?
    /// A pending standalone container's own placement rules (a service's are on the service).
    var rules: PlacementRules?

    /// The node whose capacity the container holds: it has one and has not ended.
    var holdsNode: String? { view.state.isTerminal ? nil : view.node }

    var isPending: Bool { view.state == .pending && view.desiredState == .running }

    /// What the scheduler spreads and limits per node by: the service, or `job:NAME` for a
    /// job's container (a colon is in no service name, so the two never meet).
    var group: String? { view.service ?? view.job.map { "job:" + $0 } }

    /// Whether the scheduler would plan `other` as it planned this row: the same service or
    /// job, pin, resources, host ports and own rules (its reason or version may differ).
    func placesAs(_ other: ContainerRow) -> Bool {
        view.service == other.view.service && view.job == other.view.job && view.pinnedNode == other.view.pinnedNode
            && resources == other.resources && staticPorts == other.staticPorts && rules == other.rules
    }

    /// The node whose subnet the container's address is from, and the address.
    var heldAddress: (node: String, address: UInt32)? {
        guard let node = view.node, let address else { return nil }
        return (node, address)
    }
}

/// A job's placement rules, as its containers are placed (the rest of its spec is the job
/// controller's, read from the store).
public struct JobPlacement: Sendable, Equatable {
    public var name: String
    public var constraints: [Constraint]
    public var placement: Placement
}

/// Hard constraints and weighted preferences of one standalone container.
struct PlacementRules: Sendable, Equatable {
    var hard: [Constraint]
    var soft: [Preference]
}

/// One node's row: its attributes and health, not what runs on it (see `NodeUsage`).
public struct NodeRow: Sendable, Equatable {
    public var name: String
    public var address: String
    public var labels: [String: String]
    public var capacity: Resources
    public var status: NodeStatus
    public var availability: Availability
    public var hasSubnet: Bool
    public var lastHeartbeat: Date?

    /// Whether the change from `old` can change a plan: anything but the heartbeat's time.
    func differsForPlanning(from old: NodeRow) -> Bool {
        var same = old
        same.lastHeartbeat = lastHeartbeat
        return same != self
    }
}

/// What the live containers on one node hold, kept by adding and subtracting each container's
/// share as it changes, so no pass ever sums a node's containers again.
struct NodeUsage: Sendable, Equatable {
    var allocated = Resources.zero
    var containers = 0
    var perService: [String: Int] = [:]
    /// Static host ports with how many containers hold each (a port is free again at zero).
    var ports: [Int: Int] = [:]

    var isEmpty: Bool { containers == 0 }

    mutating func add(_ row: ContainerRow) {
        allocated = allocated + row.resources
        containers += 1
        if let group = row.group { perService[group, default: 0] += 1 }
        for port in row.staticPorts { ports[port, default: 0] += 1 }
    }

    mutating func remove(_ row: ContainerRow) {
        allocated = allocated - row.resources
        containers -= 1
        if let group = row.group {
            let left = perService[group, default: 0] - 1
            perService[group] = left > 0 ? left : nil
        }
        for port in row.staticPorts {
            let left = ports[port, default: 0] - 1
            ports[port] = left > 0 ? left : nil
        }
    }
}
