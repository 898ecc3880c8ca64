/// Every hard constraint holds on the node.
public struct ConstraintFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        for (i, constraint) in request.constraints.enumerated() where !node.matches(constraint) {
            return .constraint(i)
        }
        return nil
    }
}
