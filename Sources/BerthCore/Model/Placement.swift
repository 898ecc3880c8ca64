/// How replicas are laid out over feasible nodes.
public enum PlacementStrategy: String, Sendable, Codable, CaseIterable, Defaultable {
    /// Fewest containers of the same service first, then least allocated (the default).
    case spread
    /// Most allocated first, to keep whole nodes free.
    case binpack

    public static var defaultValue: PlacementStrategy { .spread }
}

/// A soft constraint: nodes that match score higher, in proportion to `weight`.
public struct Preference: Sendable, Hashable, Codable, StrictDecodable {
    public var constraint: Constraint
    @Default<One> public var weight: Int

    public init(constraint: Constraint, weight: Int = 1) {
        self.constraint = constraint
        self.weight = weight
    }
}

/// Placement options of a service, after Swarm's `--placement-pref` and `--replicas-max-per-node`.
public struct Placement: Sendable, Hashable, Codable, StrictDecodable, Defaultable {
    @Defaulted public var strategy: PlacementStrategy
    /// Node attributes (`node.labels.zone`) across whose values replicas are spread evenly, in order.
    @Defaulted public var spreadBy: [String]
    /// At most this many replicas of the service on one node; 0 means no limit.
    @Defaulted public var maxPerNode: Int
    @Defaulted public var preferences: [Preference]

    public init(strategy: PlacementStrategy = .spread, spreadBy: [String] = [], maxPerNode: Int = 0, preferences: [Preference] = []) {
        self.strategy = strategy
        self.spreadBy = spreadBy
        self.maxPerNode = maxPerNode
        self.preferences = preferences
    }

    /// Every option at its default: what an absent `placement` means.
    public static var defaultValue: Placement { Placement() }

    func validate(field: String) throws(BerthError) {
        try Rules.count(spreadBy.count, max: 8, field: "\(field).spreadBy")
        for (i, attribute) in spreadBy.enumerated() {
            guard attribute == "node.name" || attribute == "node.address"
                || (attribute.hasPrefix("node.labels.") && Rules.isLabelKey(String(attribute.dropFirst(12))))
            else {
                throw .invalidArgument(
                    field: "\(field).spreadBy[\(i)]",
                    message: "\"\(attribute.prefix(80))\" is not node.name, node.address or node.labels.KEY"
                )
            }
        }
        try Rules.range(maxPerNode, 0...100_000, field: "\(field).maxPerNode")
        try Preference.validate(preferences, field: "\(field).preferences")
    }
}

extension Preference {
    static func validate(_ preferences: [Preference], field: String) throws(BerthError) {
        try Rules.count(preferences.count, max: 32, field: field)
        for (i, preference) in preferences.enumerated() {
            try Rules.range(preference.weight, 1...100, field: "\(field)[\(i)].weight")
        }
    }
}

/// Validation of constraint lists as they arrive in requests (each rule was parsed as it was
/// decoded; what is left is how many there may be).
public enum Constraints {
    public static func validate(_ constraints: [Constraint], field: String = "constraints") throws(BerthError) {
        try Rules.count(constraints.count, max: 32, field: field)
    }
}
