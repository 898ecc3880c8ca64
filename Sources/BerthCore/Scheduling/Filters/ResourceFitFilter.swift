/// The container's cpu and memory requests fit in what the node has left.
public struct ResourceFitFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        let free = node.free
        if request.resources.memory > free.memory { return "insufficient memory (needs \(request.resources.memory) MiB)" }
        if request.resources.cpu > free.cpu { return "insufficient cpu (needs \(request.resources.cpu)m)" }
        return nil
    }
}
