import Foundation

/// Whether a node takes new work, as in `docker node update --availability`.
public enum Availability: String, Sendable, Codable, CaseIterable, Defaultable {
    /// Takes new containers.
    case active
    /// Keeps what it runs, takes nothing new.
    case pause
    /// Everything moves away.
    case drain

    public static var defaultValue: Availability { .active }
}

/// Whether the control plane hears from a node.
public enum NodeStatus: String, Sendable, Codable, CaseIterable {
    case ready
    case down
}

/// A machine that runs containers: what its agent registered plus what the server tracks.
public struct Node: Sendable, Hashable, Codable {
    public var name: String
    public var address: String
    public var labels: [String: String]
    public var capacity: Resources
    /// The summed requests of the node's non-terminal containers.
    public var allocated: Resources
    public var availability: Availability
    public var status: NodeStatus
    /// The node's lease from the `default` network, where its containers get addresses.
    @NullWhenAbsent public var subnet: String?
    @NullWhenAbsent public var lastHeartbeat: Date?
    /// The MAC of the node's VXLAN device, as its agent reported it; peers program it as the
    /// neighbour and FDB entry for this node. Nil until reported.
    @NullWhenAbsent public var vtepMAC: String?
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        name: String, address: String, labels: [String: String] = [:], capacity: Resources,
        allocated: Resources = .zero, availability: Availability = .active, status: NodeStatus = .ready,
        subnet: String? = nil, lastHeartbeat: Date? = nil, vtepMAC: String? = nil, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
    ) {
        self.name = name
        self.address = address
        self.labels = labels
        self.capacity = capacity
        self.allocated = allocated
        self.availability = availability
        self.status = status
        self.subnet = subnet
        self.lastHeartbeat = lastHeartbeat
        self.vtepMAC = vtepMAC
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }
}

/// What a client sends to register or update a node (`PUT /v1/nodes/{name}`). The measured
/// fast path is `init?(plainJSON:)` (NodeJSON.swift); this derived decoder reads what it passes on.
public struct NodeSpec: Sendable, Hashable, Codable, StrictDecodable {
    public var address: String
    @Defaulted public var labels: [String: String]
    public var capacity: Resources
    @Defaulted public var availability: Availability
    /// The MAC of the node's VXLAN device (`aa:bb:cc:dd:ee:ff`, lower case, unicast). Nil keeps
    /// what the node reported before, so an update by hand need not repeat it.
    public var vtepMAC: String?

    public init(
        address: String, labels: [String: String] = [:], capacity: Resources, availability: Availability = .active,
        vtepMAC: String? = nil
    ) {
        self.address = address
        self.labels = labels
        self.capacity = capacity
        self.availability = availability
        self.vtepMAC = vtepMAC
    }

    public func validate() throws(BerthError) {
        try Rules.address(address)
        try Rules.labels(labels)
        try Rules.range(capacity.cpu, 1...Resources.maxCPU, field: "capacity.cpu")
        try Rules.range(capacity.memory, 1...Resources.maxMemory, field: "capacity.memory")
        if let vtepMAC { try Rules.unicastMAC(vtepMAC, field: "vtepMAC") }
    }
}
