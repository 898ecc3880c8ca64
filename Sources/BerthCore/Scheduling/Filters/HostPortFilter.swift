/// A static host port can be bound by one container per node.
public struct HostPortFilter: PlacementFilter {
    public init() {}

    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        for port in request.hostPorts where node.usedHostPorts.contains(port) {
            return "host port \(port) in use"
        }
        return nil
    }
}
