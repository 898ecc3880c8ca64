import BerthCore

/// What the node namespace holds, as far as the planner needs to know: every link (to find the
/// underlay and spot name collisions), main-table routes (ours by protocol, others to refuse to
/// overwrite), the VXLAN device's neighbours and FDB entries, forwarding, and Berth's nft table.
public struct HostNetworkObserved: Sendable, Hashable {
    public var links: [String: ObservedLink]
    public var routes: [ObservedRoute]
    public var neighbours: [ObservedNeighbour]
    public var fdb: [FDBEntry]
    public var ipForwarding: Bool
    /// `net.bridge.bridge-nf-call-iptables` in the node namespace: bridged container traffic
    /// passes the ip family hooks (network policy between containers of one node, and the
    /// replies of a VIP connection to a target on the same bridge, need it). Nil when the
    /// setting does not exist (br_netfilter is not loaded): an error, never taken as "on".
    public var bridgeNetfilter: Bool? = false
    public var firewall: NFTTable?
    /// `bridge berth`: the anti-spoofing rules.
    public var bridgeFirewall: NFTTable?
    /// Names under /run/netns; nil when unknown (then containers' namespaces are assumed present).
    public var namespaces: Set<String>?

    public init(links: [ObservedLink] = [], routes: [ObservedRoute] = [], neighbours: [ObservedNeighbour] = [], fdb: [FDBEntry] = [],
                ipForwarding: Bool = false, firewall: NFTTable? = nil, namespaces: Set<String>? = nil) {
        self.links = Dictionary(links.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        self.routes = routes
        self.neighbours = neighbours
        self.fdb = fdb
        self.ipForwarding = ipForwarding
        self.firewall = firewall
        self.namespaces = namespaces
    }

    /// Links Berth made (by name): the only ones it will change or delete.
    public var ownedLinks: [ObservedLink] { links.values.filter { LinkNames.isOwned($0.name) }.sorted { $0.name < $1.name } }
    /// Routes carrying Berth's protocol number.
    public var ownedRoutes: [ObservedRoute] { routes.filter(\.isOwned) }
}

/// An address on an interface, `10.88.3.1/24`.
public struct InterfaceAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var address: IPv4Address
    public var prefix: Int

    public init(_ address: IPv4Address, prefix: Int) {
        self.address = address
        self.prefix = prefix
    }

    public var network: CIDR { CIDR(network: address, prefix: prefix) }
    public var description: String { "\(address)/\(prefix)" }
    public static func < (a: InterfaceAddress, b: InterfaceAddress) -> Bool { (a.address, a.prefix) < (b.address, b.prefix) }
}

public struct ObservedLink: Sendable, Hashable {
    public var name: String
    /// `linkinfo.info_kind`: bridge, vxlan, veth, … ("" for a physical NIC).
    public var kind: String
    public var mtu: Int
    public var up: Bool
    public var master: String?
    public var mac: MACAddress?
    public var vxlan: VXLANSettings?
    public var addresses: [InterfaceAddress]

    public init(name: String, kind: String, mtu: Int, up: Bool = true, master: String? = nil, mac: MACAddress? = nil, vxlan: VXLANSettings? = nil, addresses: [InterfaceAddress] = []) {
        self.name = name
        self.kind = kind
        self.mtu = mtu
        self.up = up
        self.master = master
        self.mac = mac
        self.vxlan = vxlan
        self.addresses = addresses
    }
}

/// The settings of a VXLAN device that, when wrong, need it made again.
public struct VXLANSettings: Sendable, Hashable {
    public var vni: UInt32
    public var port: UInt16
    public var local: IPv4Address?
    public var device: String?
    public var learning: Bool

    public init(vni: UInt32, port: UInt16, local: IPv4Address?, device: String?, learning: Bool) {
        self.vni = vni
        self.port = port
        self.local = local
        self.device = device
        self.learning = learning
    }
}

/// A route in the main table. Berth's carry `protocol == RouteProtocol.berth`.
public struct ObservedRoute: Sendable, Hashable {
    public var destination: CIDR
    public var gateway: IPv4Address?
    public var device: String?
    public var onlink: Bool
    /// As `ip -json` prints it: "kernel", "boot", "static", or a number such as "98".
    public var proto: String
    /// The preferred source address (`prefsrc`), if the route sets one.
    public var source: IPv4Address?

    public init(destination: CIDR, gateway: IPv4Address?, device: String?, onlink: Bool, proto: String, source: IPv4Address? = nil) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
        self.onlink = onlink
        self.proto = proto
        self.source = source
    }

    public var isOwned: Bool { proto == RouteProtocol.berthText || proto == RouteProtocol.berthHex }
}

/// Berth's routing protocol number (0x62, "b"), so its routes can be listed and removed exactly.
public enum RouteProtocol {
    public static let berth = 98
    static let berthText = "98"
    static let berthHex = "0x62"
}

public struct ObservedNeighbour: Sendable, Hashable {
    public var address: IPv4Address
    public var mac: MACAddress?
    public var device: String
    public var permanent: Bool

    public init(address: IPv4Address, mac: MACAddress?, device: String, permanent: Bool) {
        self.address = address
        self.mac = mac
        self.device = device
        self.permanent = permanent
    }
}

/// A VXLAN forwarding entry: frames for `mac` go to `destination` over the underlay.
public struct FDBEntry: Sendable, Hashable, Comparable {
    public var mac: MACAddress
    public var device: String
    public var destination: IPv4Address

    public init(mac: MACAddress, device: String, destination: IPv4Address) {
        self.mac = mac
        self.device = device
        self.destination = destination
    }

    public static func < (a: FDBEntry, b: FDBEntry) -> Bool { (a.device, a.mac, a.destination) < (b.device, b.mac, b.destination) }
}
