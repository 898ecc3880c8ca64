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
        let list = try await client.listItems(PeerSelection.NodeView.self, "/v1/nodes")
        return (list.items, list.index)
    }

    func network(_ name: String) async throws -> NetworkView {
        try client.checked(try await client.get(APIPath.object("networks", name))).decode(NetworkView.self)
    }

    /// Every service's VIP, ports, targets and policy (`GET /v1/targets`, page by page) and the
    /// index they are consistent at.
    func services() async throws -> (services: [ServiceDocument], index: UInt64) {
        let list = try await client.listItems(ServiceDocument.self, "/v1/targets")
        return (list.items, list.index)
    }

    /// What changed in services after `after` (the `target` events: each carries the service's
    /// whole data-plane view), waiting up to `wait`; nil when the feed no longer holds `after`.
    func serviceChanges(after: UInt64, wait: Duration) async throws -> (changed: [ServiceDocument], deleted: [String], next: UInt64)? {
        let seconds = max(1, wait.components.seconds)
        let reply = try await client.get("/v1/events?after=\(after)&kind=target&limit=2000&wait=\(seconds)s")
        if reply.status == 410 { return nil }
        struct Event: Decodable {
            var name: String
            var op: String
            var object: ServiceDocument
        }
        struct Page: Decodable {
            var events: [Event]
            var next: UInt64
        }
        let page = try client.checked(reply).decode(Page.self)
        var latest: [String: Event] = [:]
        var order: [String] = []
        for event in page.events {
            if latest[event.name] == nil { order.append(event.name) }
            latest[event.name] = event
        }
        let changed = order.compactMap { latest[$0] }.filter { $0.op != "deleted" }.map(\.object)
        let deleted = order.compactMap { latest[$0] }.filter { $0.op == "deleted" }.map(\.name)
        return (changed, deleted, page.next)
    }

    /// What changed in nodes and networks after `after`, waiting up to `wait` for a change:
    /// nil when the feed no longer holds `after` (list again).
    struct Changes: Sendable {
        var nodes: [PeerSelection.NodeView] = []
        var deletedNodes: [String] = []
        var networks: [NetworkView] = []
        var next: UInt64
    }

    func changes(after: UInt64, wait: Duration) async throws -> Changes? {
        let seconds = max(1, wait.components.seconds)
        let reply = try await client.get("/v1/events?after=\(after)&kind=node,network&limit=1000&wait=\(seconds)s")
        if reply.status == 410 { return nil }
        struct Event: Decodable {
            var kind: String
            var name: String
            var op: String
            var object: JSONObject
        }
        /// An event's object, decoded by its kind afterwards.
        struct JSONObject: Decodable {
            var node: PeerSelection.NodeView?
            var network: NetworkView?
            init(from decoder: any Decoder) throws {
                node = try? PeerSelection.NodeView(from: decoder)
                network = try? NetworkView(from: decoder)
            }
        }
        struct Page: Decodable {
            var events: [Event]
            var next: UInt64
        }
        let page = try client.checked(reply).decode(Page.self)
        var changes = Changes(next: page.next)
        for event in page.events {
            switch (event.kind, event.op) {
            case ("node", "deleted"): changes.deletedNodes.append(event.name)
            case ("node", _): if let node = event.object.node { changes.nodes.append(node) }
            case ("network", _): if let network = event.object.network, event.op != "deleted" { changes.networks.append(network) }
            default: break
            }
        }
        return changes
    }
}
