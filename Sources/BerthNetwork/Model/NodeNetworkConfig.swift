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

    public init(name: String, namespace: String?, underlayAddress: IPv4Address, subnet: CIDR, clusterCIDRs: [CIDR], backend: Backend) {
        self.name = name
        self.namespace = namespace
        self.underlayAddress = underlayAddress
        self.subnet = subnet
        self.clusterCIDRs = clusterCIDRs
        self.backend = backend
    }

    /// The bridge's address: the first host of the node subnet, every container's default gateway.
    public var gateway: IPv4Address { IPv4Address(subnet.network.value + 1) }

    /// This node's VXLAN tunnel endpoint MAC, to be reported to the server for peers to use.
    public var vtepMAC: MACAddress { MACAddress.vtep(forNode: name) }
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
