/// What the scheduler knows of one node while it plans: attributes, free room, and what
/// already runs there. Planning updates it in memory after each placement, so one batch can
/// never overcommit a node.
public struct NodeState: Sendable, Hashable {
    public var name: String
    public var address: String
    public var labels: [String: String]
    public var capacity: Resources
    public var allocated: Resources
    public var status: NodeStatus
    public var availability: Availability
    /// Non-terminal containers per service on this node.
    public var perService: [String: Int]
    /// Static host ports taken by non-terminal containers on this node.
    public var usedHostPorts: Set<Int>
    /// Non-terminal containers on this node, of any service or none.
    public var containers: Int
    /// Whether the node has a subnet to give its containers addresses from.
    public var hasSubnet: Bool

    public init(
        name: String, address: String = "127.0.0.1", labels: [String: String] = [:], capacity: Resources,
        allocated: Resources = .zero, status: NodeStatus = .ready, availability: Availability = .active,
        perService: [String: Int] = [:], usedHostPorts: Set<Int> = [], containers: Int = 0, hasSubnet: Bool = true
    ) {
        self.name = name
        self.address = address
        self.labels = labels
        self.capacity = capacity
        self.allocated = allocated
        self.status = status
        self.availability = availability
        self.perService = perService
        self.usedHostPorts = usedHostPorts
        self.containers = containers
        self.hasSubnet = hasSubnet
    }

    public var free: Resources { capacity - allocated }

    /// The value of a node attribute as constraints and spread preferences name it.
    public func attribute(_ name: String) -> String? {
        value(of: NodeAttribute(name))
    }

    public func value(of attribute: NodeAttribute) -> String? {
        switch attribute {
        case .name: name
        case .address: address
        case .label(let key): labels[key]
        case .unknown: nil
        }
    }

    public func matches(_ constraint: Constraint) -> Bool {
        constraint.matches(name: name, address: address, labels: labels)
    }

    /// Records a placement made by the plan.
    mutating func admit(_ request: PlacementRequest) {
        allocated = allocated + request.resources
        if let service = request.service { perService[service, default: 0] += 1 }
        usedHostPorts.formUnion(request.hostPorts)
        containers += 1
    }
}

/// A node attribute named in `spreadBy`, parsed once rather than on every node visited.
public enum NodeAttribute: Sendable, Hashable {
    case name
    case address
    case label(String)
    case unknown

    public init(_ text: String) {
        switch text {
        case "node.name": self = .name
        case "node.address": self = .address
        default: self = text.hasPrefix("node.labels.") ? .label(String(text.dropFirst(12))) : .unknown
        }
    }
}
