/// Ranks a feasible node for a request with a score normalised to 0...1 (1 is best).
/// The scheduler combines scorers by weight, so each must stay inside that range.
public protocol PlacementScorer: Sendable {
    func score(_ request: PlacementRequest, on node: NodeState, context: ScoringContext) -> Double
}

/// What scorers may ask about the cluster as a whole while the plan is being made.
public struct ScoringContext: Sendable {
    /// For the request's service: containers per value of each `spreadBy` attribute.
    public var spreadCounts: [[String: Int]]
    /// The fewest and most service containers on any candidate node.
    public var serviceCountRange: ClosedRange<Int>

    public init(spreadCounts: [[String: Int]] = [], serviceCountRange: ClosedRange<Int> = 0...0) {
        self.spreadCounts = spreadCounts
        self.serviceCountRange = serviceCountRange
    }
}

extension NodeState {
    /// The larger of cpu and memory use, as a fraction of capacity, once `extra` is added.
    func utilisation(adding extra: Resources) -> Double {
        let cpu = capacity.cpu > 0 ? Double(allocated.cpu + extra.cpu) / Double(capacity.cpu) : 1
        let memory = capacity.memory > 0 ? Double(allocated.memory + extra.memory) / Double(capacity.memory) : 1
        return min(1, max(cpu, memory))
    }
}
