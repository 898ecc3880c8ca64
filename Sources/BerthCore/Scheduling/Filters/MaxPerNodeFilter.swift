/// `placement.maxPerNode`: at most N replicas of the service on one node.
public struct MaxPerNodeFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        guard request.maxPerNode > 0, let service = request.service,
              node.perService[service, default: 0] >= request.maxPerNode
        else { return nil }
        return "max \(request.maxPerNode) per node reached"
    }
}
