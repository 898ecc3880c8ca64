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
/// - `filter-forward`: accept forwarding to and from the cluster network.
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
            NFTChain(name: "filter-forward", base: NFTBaseChain(.filter, hook: .forward, priority: 0), rules: [
                NFTRule("ip saddr @\(clusterSet) accept"),
                NFTRule("ip daddr @\(clusterSet) accept"),
            ]),
        ], sets: [
            NFTSet(name: clusterSet, keyType: [.ipv4Address], flags: [.interval],
                   elements: Set(node.clusterCIDRs.map { NFTElement(.prefix($0)) })),
            NFTSet(name: hostPortMap, keyType: [.inetProto, .inetService], valueType: [.ipv4Address, .inetService],
                   elements: Set(containers.flatMap { c in c.ports.map { hostPortElement($0, address: c.address) } })),
        ])
        if let extensions {
            for (name, chain) in extensions.chains { table.chains[name] = chain }
            for (name, set) in extensions.sets { table.sets[name] = set }
        }
        return table
    }

    static func hostPortElement(_ port: PublishedPort, address: IPv4Address) -> NFTElement {
        NFTElement([.proto(port.proto == .tcp ? 6 : 17), .port(port.hostPort)], [.address(address), .port(port.containerPort)])
    }
}
