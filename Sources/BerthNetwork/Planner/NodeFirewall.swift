import BerthCore

/// The node's rules in Berth's private table `ip berth`: the first user of the nftables layer.
///
/// - `cluster-nets` (interval set): the cluster CIDRs.
/// - `host-ports` (map `proto . port : address . port`): published host ports, one element each,
///   so publishing or unpublishing a port changes one element, never a chain.
/// - `nat-prerouting` / `nat-output`: DNAT at the node's underlay address, for traffic from
///   outside and from the node itself.
/// - `nat-postrouting`: masquerade cluster traffic leaving the cluster network (egress as the
///   node's address), and hairpin traffic a container sends to a port published on its own node.
/// - `raw-prerouting` / `raw-output` (VXLAN only): see `underlayChains`.
///
/// There is no forward chain of "accept cluster traffic" rules: in nftables an `accept` only ends
/// its own base chain (the packet goes on to every other table's and priority's chains, and a
/// drop anywhere still drops it), so such a chain with policy accept changes no verdict, yet it
/// cost a chain walk and two set lookups per forwarded packet, twice per packet across nodes.
/// The policy and VIP filters are the service proxy's (`svc-filter-fwd`).
public enum NodeFirewall {
    public static let tableName = "berth"
    public static let clusterSet = "cluster-nets"
    public static let hostPortMap = "host-ports"

    public static func table(node: NodeNetworkConfig, containers: [ContainerNetwork], extensions: NFTTable? = nil) -> NFTTable {
        let dnat = NFTRule("ip daddr \(node.underlayAddress) dnat ip to meta l4proto . th dport map @\(hostPortMap)", comment: "published host ports")
        var table = NFTTable(name: tableName, chains: [
            NFTChain(name: "nat-prerouting", base: NFTBaseChain(.nat, hook: .prerouting, priority: -100), rules: [dnat]),
            NFTChain(name: "nat-output", base: NFTBaseChain(.nat, hook: .output, priority: -100), rules: [dnat]),
            NFTChain(name: "nat-postrouting", base: NFTBaseChain(.nat, hook: .postrouting, priority: 100), rules: [
                NFTRule("ip saddr @\(clusterSet) ip daddr != @\(clusterSet) masquerade", comment: "egress as the node"),
                NFTRule("ct status dnat ip saddr \(node.subnet) ip daddr \(node.subnet) masquerade", comment: "hairpin to a published port"),
            ]),
        ], sets: [
            NFTSet(name: clusterSet, keyType: [.ipv4Address], flags: [.interval],
                   elements: Set(node.clusterCIDRs.map { NFTElement(.prefix($0)) })),
            NFTSet(name: hostPortMap, keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService],
                   elements: Set(containers.flatMap { c in c.ports.map { hostPortElement($0, address: c.address) } })),
        ])
        for chain in underlayChains(node) { table.chains[chain.name] = chain }
        if let extensions {
            for (name, chain) in extensions.chains { table.chains[name] = chain }
            for (name, set) in extensions.sets { table.sets[name] = set }
        }
        return table
    }

    /// The node's own VXLAN packets (the outer UDP, from or to its underlay address at the
    /// VXLAN port) skip conntrack, as Flannel and Calico arrange: every such packet used to be
    /// looked up and timed in the node's conntrack table on both sides, and since both
    /// directions go to the VXLAN port, each was an unreplied "new" flow that the service
    /// proxy's `ct state new` rules then matched too. Nothing needs their state: the outer
    /// packets are neither NATed nor filtered by Berth. The inner packets keep their conntrack
    /// (masquerade, VIPs and policy rely on it): the kernel drops the outer packet's (untracked)
    /// state when it encapsulates or decapsulates. Hooked at `raw` priority (-300), before
    /// conntrack (-200). A host firewall that matches `ct state new` for VXLAN should match the
    /// port instead: these packets are `untracked`.
    static func underlayChains(_ node: NodeNetworkConfig) -> [NFTChain] {
        guard case .vxlan(_, let port) = node.backend else { return [] }
        return [
            NFTChain(name: "raw-prerouting", base: NFTBaseChain(.filter, hook: .prerouting, priority: -300), rules: [
                NFTRule("ip daddr \(node.underlayAddress) udp dport \(port) notrack", comment: "VXLAN from peers: untracked"),
            ]),
            NFTChain(name: "raw-output", base: NFTBaseChain(.filter, hook: .output, priority: -300), rules: [
                NFTRule("ip saddr \(node.underlayAddress) udp dport \(port) notrack", comment: "VXLAN to peers: untracked"),
            ]),
        ]
    }

    static func hostPortElement(_ port: PublishedPort, address: IPv4Address) -> NFTElement {
        NFTElement([.proto(port.proto == .tcp ? 6 : 17), .port(port.hostPort)], [.address(address), .port(port.containerPort)])
    }
}
