/// A static host port can be bound by one container per node.
public struct HostPortFilter: PlacementFilter {
    public init() {}

    public func check(_ request: PlacementRequest, on node: NodeState) -> Rejection? {
        for port in request.hostPorts where node.usedHostPorts.contains(port) {
            return .hostPortInUse(port)
        }
        return nil
    }
}
