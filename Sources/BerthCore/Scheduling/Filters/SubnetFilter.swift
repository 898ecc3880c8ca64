/// A node with no subnet lease cannot give the container an address.
public struct SubnetFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        node.hasSubnet ? nil : .noSubnet
    }
}
