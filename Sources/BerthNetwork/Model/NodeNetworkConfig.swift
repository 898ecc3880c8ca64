import BerthCore

/// What the agent knows about its own node's network: the lease the control plane gave it and
/// where the node lives. The underlay device and its MTU are not given: they are found from the
/// underlay address in what is observed, so a renamed NIC needs no configuration change.
public struct NodeNetworkConfig: Sendable, Hashable {
    /// The node's name; its VXLAN MAC is derived from it so it survives re-creation.
    public var name: String
    /// The node's network namespace: nil is the agent's own, otherwise a name under /run/netns
    /// (programmed from outside with `ip -n NAME` and `ip netns exec NAME nft`).
    public var namespace: String?
    /// The address other nodes reach this one at.
    public var underlayAddress: IPv4Address
    /// The subnet the control plane leased to this node, e.g. 10.88.3.0/24.
    public var subnet: CIDR
    /// The cluster's container networks (10.88.0.0/16): traffic leaving them is masqueraded.
    public var clusterCIDRs: [CIDR]
    public var backend: Backend
    /// The ranges service VIPs come from: routed through the bridge so that the node's own
    /// connections to a VIP reach the VIP rules whatever other routes it has.
    public var serviceCIDRs: [CIDR]
    /// What containers may reach on nodes besides the DNS forwarder (`NodeFirewall+Isolation`).
    public var nodeAccess = NodeAccess()
    /// Anti-spoofing, the forward filter and the input chain; off only to measure what they cost.
    public var isolation = true

    public init(name: String, namespace: String?, underlayAddress: IPv4Address, subnet: CIDR, clusterCIDRs: [CIDR], backend: Backend, serviceCIDRs: [CIDR] = []) {
        self.name = name
        self.namespace = namespace
        self.underlayAddress = underlayAddress
        self.subnet = subnet
        self.clusterCIDRs = clusterCIDRs
        self.backend = backend
        self.serviceCIDRs = serviceCIDRs
    }

    /// The bridge's address: the first host of the node subnet, every container's default gateway.
    public var gateway: IPv4Address { IPv4Address(subnet.network.value + 1) }

    /// This node's VXLAN tunnel endpoint MAC, to be reported to the server for peers to use.
    public var vtepMAC: MACAddress { MACAddress.vtep(forNode: name) }
}

/// What containers may reach on their node and on other nodes' underlay addresses, besides
/// the node's DNS forwarder: `berth agent --container-to-node-allow tcp/9100,udp/123` and
/// `--container-metadata-access` (169.254.0.0/16, closed by default).
public struct NodeAccess: Sendable, Hashable {
    public var allowed: [NodePort]
    public var metadata: Bool

    public init(allowed: [NodePort] = [], metadata: Bool = false) {
        self.allowed = allowed
        self.metadata = metadata
    }
}

/// A protocol and port on a node, `tcp/9100`.
public struct NodePort: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var proto: TransportProtocol
    public var port: UInt16

    public init(_ proto: TransportProtocol, _ port: UInt16) {
        self.proto = proto
        self.port = port
    }

    /// `tcp/9100` or `udp/123`; nil for anything else (port 0 included).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let proto = TransportProtocol(rawValue: parts[0].lowercased()),
              let port = UInt16(parts[1]), port != 0 else { return nil }
        self.init(proto, port)
    }

    /// A comma-separated list (`tcp/9100,udp/123`), or an error naming the bad entry.
    public static func list(_ text: String) throws(HostNetworkError) -> [NodePort] {
        var ports: [NodePort] = []
        for item in text.split(separator: ",").map({ $0.trimmingCharacters(in: .whitespaces) }) where !item.isEmpty {
            guard let port = NodePort(item) else { throw .invalidConfiguration("\"\(item)\" is not PROTOCOL/PORT (tcp/9100, udp/123)") }
            ports.append(port)
        }
        return ports
    }

    public var description: String { "\(proto.rawValue)/\(port)" }
    public static func < (a: NodePort, b: NodePort) -> Bool { (a.proto, a.port) < (b.proto, b.port) }
}

/// Another node, as this node needs to know it to reach that node's containers.
public struct PeerNode: Sendable, Hashable {
    public var name: String
    public var underlayAddress: IPv4Address
    public var subnet: CIDR
    /// The peer's VXLAN device MAC; nil means "derive it from the name", as the peer itself does.
    public var vtepMAC: MACAddress?

    public init(name: String, underlayAddress: IPv4Address, subnet: CIDR, vtepMAC: MACAddress? = nil) {
        self.name = name
        self.underlayAddress = underlayAddress
        self.subnet = subnet
        self.vtepMAC = vtepMAC
    }

    /// The MAC to program for this peer.
    public var effectiveVTEPMAC: MACAddress { vtepMAC ?? MACAddress.vtep(forNode: name) }
}
