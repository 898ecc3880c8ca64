/// Only nodes that are heard from (`ready`) and take new work (`active`) get containers.
public struct NodeReadyFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        if node.status != .ready { return .nodeDown }
        switch node.availability {
        case .active: return nil
        case .pause: return .nodePaused
        case .drain: return .nodeDraining
        }
    }
}
