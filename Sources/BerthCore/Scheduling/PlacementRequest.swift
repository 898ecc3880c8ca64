/// One container to place, with everything the filters and scorers ask about.
public struct PlacementRequest: Sendable, Hashable {
    public var container: String
    /// What spread and `maxPerNode` count per node: the service, or `job:NAME` for a job's
    /// container (nil for a standalone one).
    public var service: String?
    public var resources: Resources
    public var constraints: [Constraint]
    public var preferences: [WeightedConstraint]
    public var strategy: PlacementStrategy
    /// Attributes to spread evenly across, in order of precedence.
    public var spreadBy: [String] {
        didSet { spreadAttributes = spreadBy.map(NodeAttribute.init) }
    }
    /// `spreadBy`, parsed.
    public private(set) var spreadAttributes: [NodeAttribute]
    /// At most this many of the service on one node; 0 means no limit.
    public var maxPerNode: Int
    /// Static host ports the container binds.
    public var hostPorts: [Int]
    /// Global services pin each container to one node.
    public var pinnedNode: String?

    public init(
        container: String, service: String? = nil, resources: Resources, constraints: [Constraint] = [],
        preferences: [WeightedConstraint] = [], strategy: PlacementStrategy = .spread, spreadBy: [String] = [],
        maxPerNode: Int = 0, hostPorts: [Int] = [], pinnedNode: String? = nil
    ) {
        self.container = container
        self.service = service
        self.resources = resources
        self.constraints = constraints
        self.preferences = preferences
        self.strategy = strategy
        self.spreadBy = spreadBy
        self.spreadAttributes = spreadBy.map(NodeAttribute.init)
        self.maxPerNode = maxPerNode
        self.hostPorts = hostPorts
        self.pinnedNode = pinnedNode
    }

    /// Requests with the same shape fail the same way on the same nodes; the planner uses this
    /// to skip re-scanning for the 9,999 siblings of an unplaceable replica.
    var shape: Shape {
        Shape(service: service, resources: resources, constraints: constraints, maxPerNode: maxPerNode,
              hostPorts: hostPorts, pinnedNode: pinnedNode)
    }

    struct Shape: Hashable {
        var service: String?
        var resources: Resources
        var constraints: [Constraint]
        var maxPerNode: Int
        var hostPorts: [Int]
        var pinnedNode: String?
    }
}

/// A soft constraint and how much it counts.
public struct WeightedConstraint: Sendable, Hashable {
    public var constraint: Constraint
    public var weight: Int

    public init(_ constraint: Constraint, weight: Int) {
        self.constraint = constraint
        self.weight = weight
    }
}
