/// `strategy: binpack`: the most allocated node first, to keep whole nodes free for large
/// containers (and for scaling in).
public struct BinpackScorer: PlacementScorer {
    public init() {}

    public func score(_ request: PlacementRequest, on node: NodeState, context: ScoringContext) -> Double {
        node.utilisation(adding: request.resources)
    }
}
