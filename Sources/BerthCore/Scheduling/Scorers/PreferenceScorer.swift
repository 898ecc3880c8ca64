/// Soft constraints: the weighted share of the request's preferences the node satisfies.
public struct PreferenceScorer: PlacementScorer {
    public init() {}

    public func score(_ request: PlacementRequest, on node: NodeState, context: ScoringContext) -> Double {
        guard !request.preferences.isEmpty else { return 0 }
        var matched = 0
        var total = 0
        for preference in request.preferences {
            total += preference.weight
            if node.matches(preference.constraint) { matched += preference.weight }
        }
        return total > 0 ? Double(matched) / Double(total) : 0
    }
}
