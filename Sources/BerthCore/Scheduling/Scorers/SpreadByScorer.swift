/// `placement.spreadBy` (Swarm's `--placement-pref spread=`): even counts of the service's
/// containers across the values of each attribute, the first attribute weighing ten times the
/// next. A node lacking the attribute counts under the empty value.
public struct SpreadByScorer: PlacementScorer {
    public init() {}

    public func score(_ request: PlacementRequest, on node: NodeState, context: ScoringContext) -> Double {
        guard !request.spreadBy.isEmpty else { return 0 }
        var total = 0.0
        var weights = 0.0
        var weight = 1.0
        for (level, attribute) in request.spreadAttributes.enumerated() where level < context.spreadCounts.count {
            let counts = context.spreadCounts[level]
            let mine = counts[node.value(of: attribute) ?? "", default: 0]
            let low = counts.values.min() ?? 0
            let high = counts.values.max() ?? 0
            total += weight * (high == low ? 1 : Double(high - mine) / Double(high - low))
            weights += weight
            weight /= 10
        }
        return weights > 0 ? total / weights : 0
    }
}
