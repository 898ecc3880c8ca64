/// Every hard constraint holds on the node.
public struct ConstraintFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        for constraint in request.constraints where !node.matches(constraint) {
            return "did not match \(constraint)"
        }
        return nil
    }
}
