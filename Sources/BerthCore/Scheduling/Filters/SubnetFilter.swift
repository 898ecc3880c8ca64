/// A node with no subnet lease cannot give the container an address.
public struct SubnetFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        node.hasSubnet ? nil : "node has no subnet"
    }
}
