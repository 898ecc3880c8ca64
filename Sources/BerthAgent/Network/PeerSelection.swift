import BerthCore
import BerthNetwork

/// Which nodes this node routes to, from the server's node list: a pure function, so the
/// data plane follows the list exactly (a node that joins is a peer, one deleted or down is not).
enum PeerSelection {
    /// What the agent needs of a node; decoded from the API's node JSON.
    struct NodeView: Sendable, Hashable, Decodable {
        var name: String
        var address: String
        var subnet: String?
        var status: NodeStatus
        var vtepMAC: String?
    }

    /// Every other node that is `ready`, has a subnet in `cluster`, and an IPv4 underlay address.
    static func peers(_ nodes: [NodeView], me: String, cluster: CIDR) -> [PeerNode] {
        nodes.compactMap { node in
            guard node.name != me, node.status == .ready, let text = node.subnet, let subnet = CIDR(text), cluster.contains(subnet.network),
                  let address = IPv4Address(node.address) else { return nil }
            return PeerNode(name: node.name, underlayAddress: address, subnet: subnet, vtepMAC: node.vtepMAC.flatMap(MACAddress.init))
        }.sorted { $0.name < $1.name }
    }
}
