/// `placement.maxPerNode`: at most N replicas of the service on one node.
public struct MaxPerNodeFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        guard request.maxPerNode > 0, let service = request.service,
              node.perService[service, default: 0] >= request.maxPerNode
        else { return nil }
        return .maxPerNodeReached
    }
}
