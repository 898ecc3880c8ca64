import BerthCore

/// One change to the node's network, as the planner decides it and the executor renders it into
/// an `ip`/`bridge`/`nft` command. Values, so plans compare and print in tests.
public enum NetworkAction: Sendable, Hashable {
    case createBridge(name: String, mtu: Int)
    case createVXLAN(VXLANDevice)
    /// A veth pair: `hostName` in the node namespace, `eth0` in `containerNamespace`, both at `mtu`.
    case createVeth(hostName: String, mtu: Int, containerNamespace: String)
    case deleteLink(String)
    /// Links in the node namespace: only the fields that are non-nil are changed.
    case setLink(String, master: String? = nil, mtu: Int? = nil, up: Bool = false)
    /// Lets the bridge send a frame back out the port it came in on: a container reaching its
    /// own service's VIP may be DNATed to itself (what kubelet's hairpin-veth mode sets).
    case setHairpin(String)
    case addAddress(InterfaceAddress, device: String)
    case deleteAddress(InterfaceAddress, device: String)
    case replaceRoute(RouteSpec)
    /// `ip route add`: fails when any route to the destination exists, someone else's included,
    /// where `replaceRoute` would overwrite it (the peer fast path, which has not looked).
    case addRoute(RouteSpec)
    case deleteRoute(RouteSpec)
    case replaceNeighbour(IPv4Address, mac: MACAddress, device: String)
    case deleteNeighbour(IPv4Address, device: String)
    /// `ip neigh flush to …`: like `deleteNeighbour`, but fine when there is no entry; the
    /// packets queued on an unresolved entry go with it.
    case flushNeighbour(IPv4Address, device: String)
    /// `bridge fdb replace … self permanent`: replace rather than append, so a peer whose underlay
    /// address changed has its one entry moved instead of gaining a second destination.
    case replaceFDB(FDBEntry)
    case deleteFDB(FDBEntry)
    case setSysctl(key: String, value: String)
    /// Inside a container's namespace: `lo` up, `eth0` with its address, up, default route.
    case configureContainer(ContainerInterface)
    case setContainerMTU(namespace: String, mtu: Int)
    case nftTransaction(NFTTransaction)
}

/// Berth's VXLAN device as it should be.
public struct VXLANDevice: Sendable, Hashable {
    public var name: String
    public var vni: UInt32
    public var port: UInt16
    public var local: IPv4Address
    public var underlayDevice: String
    public var mac: MACAddress
    public var mtu: Int
}

/// A route Berth owns; rendered with `proto 0x62`.
public struct RouteSpec: Sendable, Hashable, Comparable {
    public var destination: CIDR
    public var gateway: IPv4Address?
    /// Nil lets the kernel pick the device that reaches `gateway` (host-gw).
    public var device: String?
    public var onlink: Bool
    /// The source address the node picks for what it sends along the route (`src`).
    public var source: IPv4Address?

    public init(destination: CIDR, gateway: IPv4Address?, device: String? = nil, onlink: Bool = false, source: IPv4Address? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
        self.onlink = onlink
        self.source = source
    }

    /// Whether an observed route already is this route.
    func matches(_ route: ObservedRoute) -> Bool {
        route.destination == destination && route.gateway == gateway && route.onlink == onlink
            && (device == nil || route.device == device) && (source == nil || route.source == source)
    }

    public static func < (a: RouteSpec, b: RouteSpec) -> Bool {
        (a.destination.network, a.destination.prefix) < (b.destination.network, b.destination.prefix)
    }
}

/// The container side of a veth pair.
public struct ContainerInterface: Sendable, Hashable {
    public var namespace: String
    public var address: InterfaceAddress
    public var gateway: IPv4Address
    public var mtu: Int
    /// Set before the link goes up (`ContainerNetwork.mac`).
    public var mac: MACAddress? = nil
}
