/// A global service's container runs on the one node it was made for.
public struct PinnedNodeFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        guard let pinned = request.pinnedNode, pinned != node.name else { return nil }
        return "not the node this global service container is for"
    }
}
