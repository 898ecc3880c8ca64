/// What a network's addresses are for.
public enum NetworkPurpose: String, Sendable, Codable, CaseIterable {
    /// Carved into per-node subnets; containers take addresses from their node's subnet.
    case containers
    /// Gives each service a virtual IP.
    case services
}

/// An address pool IPAM leases from.
public struct Network: Sendable, Hashable, Codable {
    public var name: String
    public var subnet: String
    public var nodePrefix: Int
    public var purpose: NetworkPurpose
    /// How agents connect the nodes' subnets of this network (a `services` network carries it
    /// too, but VIPs are not routed between nodes, so it has no effect there).
    public var backend: NetworkBackend
    /// The VXLAN network identifier, used when `backend` is `vxlan`.
    public var vni: Int
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        name: String, subnet: String, nodePrefix: Int, purpose: NetworkPurpose, backend: NetworkBackend = .default,
        vni: Int = NetworkBackend.defaultVNI, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
    ) {
        self.name = name
        self.subnet = subnet
        self.nodePrefix = nodePrefix
        self.purpose = purpose
        self.backend = backend
        self.vni = vni
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    /// The network nodes take subnets from and containers take addresses from.
    public static let defaultName = "default"
    /// The network services take virtual IPs from.
    public static let servicesName = "services"
}

/// `PUT /v1/networks/{name}`.
public struct NetworkSpec: Sendable, Hashable, Codable, StrictDecodable {
    public var subnet: String
    @Default<DefaultNodePrefix> public var nodePrefix: Int
    @Defaulted public var backend: NetworkBackend
    @Default<DefaultVNI> public var vni: Int

    public init(subnet: String, nodePrefix: Int = 24, backend: NetworkBackend = .default, vni: Int = NetworkBackend.defaultVNI) {
        self.subnet = subnet
        self.nodePrefix = nodePrefix
        self.backend = backend
        self.vni = vni
    }

    /// A /24 per node: 254 containers.
    public enum DefaultNodePrefix: DefaultProvider { public static var value: Int { 24 } }
    public enum DefaultVNI: DefaultProvider { public static var value: Int { NetworkBackend.defaultVNI } }

    /// Parses and checks the subnet; the node prefix must leave room for subnets and hosts.
    public func validate() throws(BerthError) -> CIDR {
        guard let cidr = CIDR(subnet) else {
            throw .invalidArgument(field: "subnet", message: "\"\(subnet.prefix(80))\" is not an IPv4 network in CIDR form with zero host bits, like 10.88.0.0/16")
        }
        try Rules.range(cidr.prefix, 8...30, field: "subnet prefix")
        try Rules.range(nodePrefix, max(cidr.prefix, 8)...30, field: "nodePrefix")
        try Rules.range(vni, NetworkBackend.vniRange, field: "vni")
        return cidr
    }
}

/// Who holds a lease.
public enum LeaseOwnerKind: String, Sendable, Codable, CaseIterable {
    case node
    case container
    case service
}

/// One address (or, for a node, one subnet) held by one owner. The schema keeps it unique.
public struct Lease: Sendable, Hashable, Codable {
    public var network: String
    public var ip: String
    public var ownerKind: LeaseOwnerKind
    public var owner: String
    @NullWhenAbsent public var node: String?
    public var createIndex: UInt64

    public init(network: String, ip: String, ownerKind: LeaseOwnerKind, owner: String, node: String?, createIndex: UInt64 = 0) {
        self.network = network
        self.ip = ip
        self.ownerKind = ownerKind
        self.owner = owner
        self.node = node
        self.createIndex = createIndex
    }

    /// The lease's key in the event log.
    public var eventName: String { "\(network)/\(ip)" }
}
