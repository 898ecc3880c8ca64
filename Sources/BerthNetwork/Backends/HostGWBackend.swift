import BerthCore

/// `host-gw`: each peer subnet is routed straight to the peer's underlay address, so packets
/// cross the underlay unchanged (no overhead, no device). Nodes must share an L2 link.
public struct HostGWBackend: NetworkBackend {
    public init() {}

    public var overhead: Int { 0 }

    public func validate() throws(HostNetworkError) {}

    public func device(node: NodeNetworkConfig, underlayDevice: String, mtu: Int) -> VXLANDevice? { nil }

    public func deviceAddress(node: NodeNetworkConfig) -> InterfaceAddress? { nil }

    public func entries(for peer: PeerNode) -> PeerEntries {
        PeerEntries(route: RouteSpec(destination: peer.subnet, gateway: peer.underlayAddress))
    }

    public func underlayChains(node: NodeNetworkConfig) -> [NFTChain] { [] }

    /// Peers' packets arrive on the underlay device unchanged: accepted from the cluster network
    /// (peers' containers) and from peer nodes' underlay addresses, so an outside host on the
    /// segment that routes to a container IP through this node is dropped. (A neighbour on the
    /// segment that forges a cluster source is not: that needs the underlay's own protection, as
    /// with Flannel's host-gw.)
    public func fromPeers(node: NodeNetworkConfig) -> [NFTRule] {
        let bridge = "\"\(LinkNames.bridge)\""
        return [
            NFTRule("iifname != \(bridge) ip saddr @\(NodeFirewall.clusterSet) ip saddr != \(node.subnet) accept", comment: "host-gw: peers' containers"),
            NFTRule("iifname != \(bridge) ip saddr @\(NodeFirewall.peerSet) accept", comment: "host-gw: peer nodes"),
        ]
    }

    public var description: String { "host-gw" }
}
