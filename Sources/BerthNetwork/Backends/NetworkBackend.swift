import BerthCore

/// One way of reaching the other nodes' container subnets, as a Flannel backend is
/// (`pkg/backend/hostgw`, `pkg/backend/vxlan`): it turns a peer lease into exactly a route and,
/// where it needs them, a neighbour and an FDB entry; it may own one device; and it says which
/// underlay packets it needs and which forwarded packets carry peers' containers.
///
/// Everything here is pure: the planner (`PlanBuilder`), the peer fast path
/// (`HostNetworkPlanner.peerChanges`) and the node's rules (`NodeFirewall`) ask the backend and
/// never switch on which one it is. Register a new one in `Backend.registry`.
public protocol NetworkBackend: Sendable, Hashable, CustomStringConvertible {
    /// Bytes it adds to every packet: containers get the underlay MTU less this.
    var overhead: Int { get }
    /// Settings it cannot work with, found before any link is touched.
    func validate() throws(HostNetworkError)
    /// Its own device (the VXLAN device), made and kept by the planner; nil when it has none.
    /// Any other link of a backend's kind (`LinkNames.isVXLAN`) is removed.
    func device(node: NodeNetworkConfig, underlayDevice: String, mtu: Int) -> VXLANDevice?
    /// The address its device holds, if any.
    func deviceAddress(node: NodeNetworkConfig) -> InterfaceAddress?
    /// What one peer lease becomes in the kernel.
    func entries(for peer: PeerNode) -> PeerEntries
    /// Its base chains in `ip berth` (VXLAN's: the outer UDP from peers only, untracked).
    func underlayChains(node: NodeNetworkConfig) -> [NFTChain]
    /// Forward-hook rules accepting peers' traffic to this node's containers (the node's forward
    /// filter drops whatever no rule accepts).
    func fromPeers(node: NodeNetworkConfig) -> [NFTRule]
}

/// The kernel entries one peer lease becomes: always a route to its subnet, and for an overlay a
/// permanent neighbour for the route's gateway and an FDB entry for the tunnel.
public struct PeerEntries: Sendable, Hashable {
    public var route: RouteSpec
    public var neighbour: PeerNeighbour?
    public var fdb: FDBEntry?

    public init(route: RouteSpec, neighbour: PeerNeighbour? = nil, fdb: FDBEntry? = nil) {
        self.route = route
        self.neighbour = neighbour
        self.fdb = fdb
    }
}

/// A permanent neighbour entry on a backend's device.
public struct PeerNeighbour: Sendable, Hashable {
    public var address: IPv4Address
    public var mac: MACAddress
    public var device: String
}
