import BerthClient
import BerthCore
import Foundation

/// What the data plane reads from the server: the node list and the container network, as
/// small views of the API's JSON (the agent needs a few fields of each).
struct ClusterView: Sendable {
    /// The container network's settings: its CIDR, backend and VNI.
    struct NetworkView: Sendable, Hashable, Decodable {
        var name: String
        var subnet: String
        var backend: String?
        var vni: Int?
    }

    let client: BerthClient

    func nodes() async throws -> (nodes: [PeerSelection.NodeView], index: UInt64) {
        let list = try await client.list(PeerSelection.NodeView.self, "/v1/nodes")
        return (list.value.items, list.index)
    }

    func network(_ name: String) async throws -> NetworkView {
        try client.checked(try await client.get(APIPath.object("networks", name))).decode(NetworkView.self)
    }

    /// What the feed says happened to nodes and networks after an index.
    enum Changes: Sendable {
        /// Each changed node as it is now (nil: deleted), whether a network changed, and the
        /// index to follow from.
        case changed(nodes: [(name: String, node: PeerSelection.NodeView?)], network: Bool, next: UInt64)
        /// The feed no longer holds the index: list again.
        case compacted
    }

    /// Waits (up to `wait`) for changes to nodes or networks after `after` and returns them,
    /// with each node's new state from the event itself: most node events are heartbeats,
    /// which change nothing a peer needs, and must cost neither a list nor a sync.
    func changes(after: UInt64, wait: Duration) async throws -> Changes {
        let seconds = max(1, wait.components.seconds)
        let reply = try await client.get("/v1/events?after=\(after)&kind=node,network&limit=1000&wait=\(seconds)s")
        if reply.status == 410 { return .compacted }
        struct Page: Decodable {
            struct Event: Decodable {
                var kind: String
                var name: String
                var op: String
                var object: PeerSelection.NodeView?

                init(from decoder: any Decoder) throws {
                    enum Keys: String, CodingKey { case kind, name, op, object }
                    let c = try decoder.container(keyedBy: Keys.self)
                    kind = try c.decode(String.self, forKey: .kind)
                    name = try c.decode(String.self, forKey: .name)
                    op = try c.decode(String.self, forKey: .op)
                    // Only a node's object is a node.
                    object = kind == "node" && op != "deleted" ? try c.decodeIfPresent(PeerSelection.NodeView.self, forKey: .object) : nil
                }
            }
            var events: [Event]
            var next: UInt64
        }
        let page = try client.checked(reply).decode(Page.self)
        var nodes: [(name: String, node: PeerSelection.NodeView?)] = []
        var network = false
        for event in page.events {
            if event.kind == "node" { nodes.append((event.name, event.object)) } else { network = true }
        }
        return .changed(nodes: nodes, network: network, next: page.next)
    }
}
