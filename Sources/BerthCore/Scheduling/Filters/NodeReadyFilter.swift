/// Only nodes that are heard from (`ready`) and take new work (`active`) get containers.
public struct NodeReadyFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        if node.status != .ready { return "node down" }
        switch node.availability {
        case .active: return nil
        case .pause: return "node paused"
        case .drain: return "node draining"
        }
    }
}
