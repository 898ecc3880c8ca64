import BerthCore

/// `vxlan`: one VXLAN device `berthvx<vni>` (no learning; its MAC derived from the node's name,
/// its address the subnet's network address /32); each peer lease becomes a route to the peer
/// subnet via the peer's VTEP address on the device (`onlink`), a permanent neighbour giving that
/// address the peer's VTEP MAC, and an FDB entry sending that MAC to the peer's underlay address.
public struct VXLANBackend: NetworkBackend {
    public var vni: UInt32
    public var port: UInt16

    /// Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers.
    public static let overhead = 50

    public init(vni: UInt32, port: UInt16 = Backend.defaultVXLANPort) {
        self.vni = vni
        self.port = port
    }

    public var overhead: Int { Self.overhead }
    public var deviceName: String { LinkNames.vxlan(vni: vni) }

    public func validate() throws(HostNetworkError) {
        guard (1...0xff_ffff).contains(vni) else { throw .invalidConfiguration("VXLAN id \(vni) is outside 1…16777215") }
        guard port != 0 else { throw .invalidConfiguration("VXLAN port must not be 0") }
    }

    public func device(node: NodeNetworkConfig, underlayDevice: String, mtu: Int) -> VXLANDevice? {
        VXLANDevice(name: deviceName, vni: vni, port: port, local: node.underlayAddress, underlayDevice: underlayDevice, mac: node.vtepMAC, mtu: mtu)
    }

    public func deviceAddress(node: NodeNetworkConfig) -> InterfaceAddress? { InterfaceAddress(node.subnet.network, prefix: 32) }

    public func entries(for peer: PeerNode) -> PeerEntries {
        let vtep = peer.subnet.network
        return PeerEntries(
            route: RouteSpec(destination: peer.subnet, gateway: vtep, device: deviceName, onlink: true),
            neighbour: PeerNeighbour(address: vtep, mac: peer.effectiveVTEPMAC, device: deviceName),
            fdb: FDBEntry(mac: peer.effectiveVTEPMAC, device: deviceName, destination: peer.underlayAddress)
        )
    }

    /// The outer UDP at `raw` priority (-300), before conntrack: the node's own VXLAN packets
    /// (from or to its underlay address) skip conntrack, as Flannel and Calico arrange: each was an unreplied "new" flow
    /// (both directions go to the VXLAN port) that nothing needs; the inner packets keep theirs
    /// (the kernel drops the outer packet's untracked state when it decapsulates). A host
    /// firewall that matches `ct state new` for VXLAN should match the port instead.
    ///
    /// With isolation, VXLAN from anyone but a peer node is dropped there too, before the device
    /// decapsulates it: an outside host could otherwise inject packets with cluster sources.
    public func underlayChains(node: NodeNetworkConfig) -> [NFTChain] {
        let peersOnly = node.isolation ? [NFTRule("udp dport \(port) ip saddr != @\(NodeFirewall.peerSet) drop", comment: "VXLAN only from peer nodes")] : []
        return [
            NFTChain(name: "raw-prerouting", base: NFTBaseChain(.filter, hook: .prerouting, priority: -300), rules: peersOnly + [
                NFTRule("ip daddr \(node.underlayAddress) udp dport \(port) notrack", comment: "VXLAN from peers: untracked"),
            ]),
            NFTChain(name: "raw-output", base: NFTBaseChain(.filter, hook: .output, priority: -300), rules: [
                NFTRule("ip saddr \(node.underlayAddress) udp dport \(port) notrack", comment: "VXLAN to peers: untracked"),
            ]),
        ]
    }

    /// Decapsulated packets come out of the device, their outer packet already checked; the
    /// inner source is a peer's container, a peer node's VTEP address, or a peer node's underlay
    /// address (a node's own connection to a VIP picks its source before the DNAT sends it here).
    public func fromPeers(node: NodeNetworkConfig) -> [NFTRule] {
        [
            NFTRule("iifname \"\(deviceName)\" ip saddr @\(NodeFirewall.clusterSet) ip saddr != \(node.subnet) accept", comment: "VXLAN: peers' containers and nodes"),
            NFTRule("iifname \"\(deviceName)\" ip saddr @\(NodeFirewall.peerSet) accept", comment: "VXLAN: peer nodes' own connections"),
        ]
    }

    public var description: String { "vxlan(vni \(vni), port \(port))" }
}
