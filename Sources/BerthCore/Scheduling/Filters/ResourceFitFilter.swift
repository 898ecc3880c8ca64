/// The container's cpu and memory requests fit in what the node has left.
public struct ResourceFitFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        if request.resources.memory > node.capacity.memory - node.allocated.memory { return .insufficientMemory }
        if request.resources.cpu > node.capacity.cpu - node.allocated.cpu { return .insufficientCPU }
        return nil
    }
}
