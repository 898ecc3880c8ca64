import BerthCore

/// The node's rules in Berth's private tables: `ip berth` (NAT, the node's filters) and
/// `bridge berth` (anti-spoofing on the containers' bridge ports, `NodeFirewall+Isolation`).
///
/// - `cluster-nets` (interval set): the cluster CIDRs.
/// - `peer-nodes`: the other nodes' underlay addresses, kept current with the peers.
/// - `host-ports` (map `proto . port : address . port`): published host ports, one element each,
///   so publishing or unpublishing a port changes one element, never a chain.
/// - `nat-prerouting` / `nat-output`: DNAT at the node's underlay address, for traffic from
///   outside and from the node itself.
/// - `nat-postrouting`: masquerade cluster traffic leaving the cluster network (egress as the
///   node's address), and hairpin traffic a container sends to a port published on its own node.
/// - `filter-forward`, `filter-input`, `to-node` (with isolation, the default): see
///   `NodeFirewall+Isolation`.
/// - the backend's chains (`NetworkBackend.underlayChains`: VXLAN's `raw-prerouting` / `raw-output`).
///
/// The policy and VIP filters are the service proxy's, in `ip berth-svc`.
public enum NodeFirewall {
    public static let tableName = "berth"
    public static let clusterSet = "cluster-nets"
    public static let peerSet = "peer-nodes"
    public static let hostPortMap = "host-ports"

    public static func table(node: NodeNetworkConfig, containers: [ContainerNetwork], peers: [PeerNode] = [], extensions: NFTTable? = nil) -> NFTTable {
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
            peerNodes(peers),
            NFTSet(name: hostPortMap, keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService],
                   elements: Set(containers.flatMap { c in c.ports.map { hostPortElement($0, address: c.address) } })),
        ])
        for chain in node.backend.driver.underlayChains(node: node) { table.chains[chain.name] = chain }
        if node.isolation { for chain in isolationChains(node) { table.chains[chain.name] = chain } }
        if let extensions {
            for (name, chain) in extensions.chains { table.chains[name] = chain }
            for (name, set) in extensions.sets { table.sets[name] = set }
        }
        return table
    }

    static func peerNodes(_ peers: [PeerNode]) -> NFTSet {
        NFTSet(name: peerSet, keyType: [.ipv4Address], elements: Set(peers.map { NFTElement(.address($0.underlayAddress)) }))
    }

    static func hostPortElement(_ port: PublishedPort, address: IPv4Address) -> NFTElement {
        NFTElement([.proto(port.proto == .tcp ? 6 : 17), .port(port.hostPort)], [.address(address), .port(port.containerPort)])
    }

    /// Both tables as `nft -f` should change them from `observed`: one transaction.
    static func transaction(ip: NFTTable?, bridge: NFTTable?, observedIP: NFTTable?, observedBridge: NFTTable?) -> NFTTransaction {
        let first = NFTDiff.transaction(desired: ip, observed: observedIP)
        let second = NFTDiff.transaction(desired: bridge, observed: observedBridge)
        return NFTTransaction(commands: first.commands + second.commands)
    }
}
