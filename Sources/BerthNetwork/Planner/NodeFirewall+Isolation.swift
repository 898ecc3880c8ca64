import BerthCore

/// Isolation: the node forwards only the cluster's own flows, takes from containers only what
/// they may reach on a node, and ties every container's bridge port to its address (Calico's
/// "workloads are not trusted, the host is something to protect").
///
/// - `filter-forward` (policy drop; Docker sets its FORWARD policy to DROP when it turns on
///   forwarding, for the same reason): replies; containers to anything (to each other, to other
///   nodes' containers, out through the masquerade), except other nodes' underlay addresses and
///   169.254.0.0/16, which get `to-node`'s answer; connections DNATed here (published ports and
///   VIPs); and what the backend accepts from peers (`NetworkBackend.fromPeers`: VXLAN out of its
///   device, host-gw from the cluster network and peer nodes). A stranger routing through the
///   node, or to a container's address, is dropped.
/// - `filter-input`: containers (and other nodes' containers reaching this node's bridge)
///   go through `to-node`.
/// - `to-node`: replies to the node's own connections (health checks), the DNS forwarder on
///   the gateway (port 53, UDP and TCP), 169.254.0.0/16 only if allowed
///   (`NodeAccess.metadata`), the ports `NodeAccess.allowed` names; the rest is refused (a TCP
///   reset, else ICMP port unreachable), so a container learns at once that it may not.
/// - `bridge berth`: `port-in` accepts from a container's port (`bv…`) only frames whose
///   Ethernet source, IPv4 source or ARP sender (MAC and address) are that container's own
///   (`container-ports`: port . MAC . address), and drops the rest before the bridge learns or
///   forwards them: no spoofed source, no ARP claim on a neighbour's or the gateway's address,
///   no IPv6. It does not depend on br_netfilter (the bridge family sees every frame).
extension NodeFirewall {
    public static let containerPortSet = "container-ports"
    static let linkLocal = "169.254.0.0/16"

    static func isolationChains(_ node: NodeNetworkConfig) -> [NFTChain] {
        let bridge = "\"\(LinkNames.bridge)\""
        var forward = [
            NFTRule("ct state established,related accept", comment: "replies"),
            NFTRule("iifname \(bridge) ip daddr @\(peerSet) goto to-node", comment: "containers to other nodes: as to this one"),
            NFTRule("iifname \(bridge) ip daddr \(linkLocal) goto to-node", comment: "containers to link-local addresses"),
            NFTRule("iifname \(bridge) ip saddr \(node.subnet) accept", comment: "containers: each other, the cluster, outside"),
            NFTRule("ct status dnat accept", comment: "published ports and VIPs DNATed here"),
        ]
        forward += node.backend.driver.fromPeers(node: node)
        var toNode = [NFTRule("ct state established,related accept", comment: "replies to the node")]
        if node.nodeAccess.metadata {
            toNode.append(NFTRule("ip daddr \(linkLocal) accept", comment: "link-local addresses allowed"))
        } else {
            toNode += [
                NFTRule("ip daddr \(linkLocal) meta l4proto tcp reject with tcp reset", comment: "link-local addresses (metadata) refused"),
                NFTRule("ip daddr \(linkLocal) reject"),
            ]
        }
        toNode += [
            NFTRule("ip daddr \(node.gateway) udp dport 53 accept", comment: "the node's DNS forwarder"),
            NFTRule("ip daddr \(node.gateway) tcp dport 53 accept", comment: "the node's DNS forwarder"),
        ]
        let allowed = Set(node.nodeAccess.allowed).sorted()
        if !allowed.isEmpty {
            toNode.append(NFTRule("meta l4proto . th dport { \(allowed.map { "\($0.proto.rawValue) . \($0.port)" }.joined(separator: ", ")) } accept", comment: "ports containers may reach on nodes"))
        }
        toNode += [
            NFTRule("meta l4proto tcp reject with tcp reset", comment: "anything else of the node: refused"),
            NFTRule("reject"),
        ]
        return [
            NFTChain(name: "filter-forward", base: NFTBaseChain(.filter, hook: .forward, priority: 0, policy: .drop), rules: forward),
            NFTChain(name: "filter-input", base: NFTBaseChain(.filter, hook: .input, priority: 0), rules: [
                NFTRule("iifname \(bridge) goto to-node", comment: "containers to this node"),
                // The address compared first: every VXLAN packet from a peer is input, and is not for the subnet.
                NFTRule("iifname != \(bridge) ip daddr \(node.subnet) ip saddr != \(node.subnet) ip saddr @\(clusterSet) goto to-node", comment: "other nodes' containers to this node's bridge"),
            ]),
            NFTChain(name: "to-node", rules: toNode),
        ]
    }

    /// `bridge berth`, or nil without isolation.
    public static func bridgeTable(node: NodeNetworkConfig, containers: [ContainerNetwork]) -> NFTTable? {
        guard node.isolation else { return nil }
        let ports = "\"\(LinkNames.containerPrefix)*\""
        let own = "iifname . ether saddr"
        return NFTTable(family: "bridge", name: tableName, chains: [
            NFTChain(name: "port-in", base: NFTBaseChain(.filter, hook: .prerouting, priority: -200), rules: [
                NFTRule("iifname \(ports) \(own) . ip saddr @\(containerPortSet) accept", comment: "a container's own address"),
                NFTRule("iifname \(ports) \(own) . arp saddr ip @\(containerPortSet) iifname . arp saddr ether . arp saddr ip @\(containerPortSet) accept",
                        comment: "ARP claiming only its own address"),
                NFTRule("iifname \(ports) drop", comment: "anything else from a container"),
            ]),
        ], sets: [
            NFTSet(name: containerPortSet, keyType: [.interfaceName, .etherAddress, .ipv4Address],
                   elements: Set(containers.map { NFTElement([.interface($0.hostLinkName), .mac($0.mac), .address($0.address)]) })),
        ])
    }
}
