/// A global service's container runs on the one node it was made for.
public struct PinnedNodeFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        guard let pinned = request.pinnedNode, pinned != node.name else { return nil }
        return .notPinnedNode
    }
}
