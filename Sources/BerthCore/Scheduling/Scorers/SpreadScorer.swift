/// `strategy: spread` (the default): fewest containers of the same service first, then the
/// least allocated node. The service count dominates (weight 0.99) so it decides whenever the
/// candidates differ by up to 99 containers; allocation only breaks its ties.
public struct SpreadScorer: PlacementScorer {
    public init() {}

    public func score(_ request: PlacementRequest, on node: NodeState, context: ScoringContext) -> Double {
        let range = context.serviceCountRange
        let count = request.service.map { node.perService[$0, default: 0] } ?? node.containers
        let spread = range.upperBound == range.lowerBound
            ? 1.0 : Double(range.upperBound - count) / Double(range.upperBound - range.lowerBound)
        let free = 1 - node.utilisation(adding: request.resources)
        return 0.99 * spread + 0.01 * free
    }
}
