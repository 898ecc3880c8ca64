import BerthCore

/// The cluster in counts, for the dashboard's overview (`GET /v1/summary`): from the loops' kept
/// model where the server has one (`ClusterState.summary`), else one read of a few grouped SQL
/// aggregates (`StoreReader.summary`); never a row per object sent.
public struct ClusterSummary: Sendable, Encodable, Equatable {
    public struct Nodes: Sendable, Encodable, Equatable {
        public var total = 0
        /// Every status, zero included.
        public var byStatus: [String: Int] = Dictionary(uniqueKeysWithValues: NodeStatus.allCases.map { ($0.rawValue, 0) })
        /// Every availability, zero included.
        public var byAvailability: [String: Int] = Dictionary(uniqueKeysWithValues: Availability.allCases.map { ($0.rawValue, 0) })
    }

    public struct Containers: Sendable, Encodable, Equatable {
        public var total = 0
        /// Every state, zero included.
        public var byState: [String: Int] = Dictionary(uniqueKeysWithValues: ContainerState.allCases.map { ($0.rawValue, 0) })
    }

    /// A service short of what it wants.
    public struct DegradedService: Sendable, Encodable, Equatable {
        public var name: String
        public var desired: Int
        public var running: Int
    }

    public struct Services: Sendable, Encodable, Equatable {
        public var total = 0
        /// Services running at least the replicas they want.
        public var healthy = 0
        /// Services running fewer.
        public var degraded = 0
        /// The degraded services by name, the first `limit` of them.
        public var degradedItems: [DegradedService] = []
    }

    /// A container waiting for a node, and why (the scheduler's words, verbatim).
    public struct PendingContainer: Sendable, Encodable, Equatable {
        public var id: String
        public var name: String?
        public var service: String?
        public var reason: String?
        public var createIndex: UInt64

        enum CodingKeys: String, CodingKey { case id, name, service, reason, createIndex }

        /// Absent values are `null`, not left out: the fields are always there.
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(id, forKey: .id)
            try c.encode(name, forKey: .name)
            try c.encode(service, forKey: .service)
            try c.encode(reason, forKey: .reason)
            try c.encode(createIndex, forKey: .createIndex)
        }
    }

    public struct Pending: Sendable, Encodable, Equatable {
        /// Every pending container.
        public var total = 0
        /// The oldest `limit` of those waiting for a node (desired state running).
        public var items: [PendingContainer] = []
    }

    public var index: UInt64 = 0
    public var nodes = Nodes()
    public var containers = Containers()
    public var services = Services()
    public var pending = Pending()

    public init() {}
}
