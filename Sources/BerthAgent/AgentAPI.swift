import BerthClient
import BerthCore
import Foundation

/// Where the agent's loop sends a container's status: the server (`AgentAPI`), or a test's fake.
protocol StatusReporting: Sendable {
    /// The container as the server has it after the report; nil when it no longer takes
    /// reports for it (deleted, or ended).
    func report(_ id: String, _ report: StatusReport) async throws -> Container?
}

/// The calls an agent makes to the server, over BerthClient.
struct AgentAPI: StatusReporting {
    let client: BerthClient
    /// The one node this agent plays, whose containers alone it lists and follows (all an agent
    /// token may see); nil for a simulator playing many nodes (which needs an admin token).
    let node: String?

    private var nodeQuery: String { node.map { "node=\($0)" } ?? "" }

    /// Registers a node, keeping the availability an operator may have set (a restarted agent
    /// must not undo a drain).
    func register(_ name: String, spec: NodeSpec) async throws {
        var spec = spec
        let existing = try await client.get("/v1/nodes/\(name)")
        if existing.status == 200, let node = try? existing.decode(Node.self) { spec.availability = node.availability }
        _ = try client.expectOK(try await client.put("/v1/nodes/\(name)", json: spec))
    }

    func heartbeat(_ name: String) async throws -> Int {
        try await client.send("POST", "/v1/nodes/\(name)/heartbeat").status
    }

    /// Every container (one list: cheaper than one per simulated node) and the index it is at.
    func containers() async throws -> (items: [Container], index: UInt64) {
        try await client.listItems(Container.self, "/v1/containers?\(nodeQuery)")
    }

    enum Feed {
        case events([Container], deleted: [String], next: UInt64)
        case compacted
    }

    /// Container events after `after`, waiting up to `wait` for one.
    func follow(after: UInt64, wait: Duration) async throws -> Feed {
        let seconds = max(1, wait.components.seconds)
        let reply = try await client.get("/v1/events?after=\(after)&kind=container&limit=2000&wait=\(seconds)s&\(nodeQuery)")
        if reply.status == 410 { return .compacted }
        _ = try client.expectOK(reply)
        struct Event: Decodable {
            var name: String
            var op: String
            var object: Container
        }
        struct Page: Decodable {
            var events: [Event]
            var next: UInt64
        }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let page = try decoder.decode(Page.self, from: reply.body)
        var changed: [String: Container] = [:]
        var order: [String] = []
        var deleted: [String] = []
        for event in page.events {
            if event.op == "deleted" {
                deleted.append(event.name)
                changed[event.name] = nil
            } else {
                if changed[event.name] == nil { order.append(event.name) }
                changed[event.name] = event.object
            }
        }
        return .events(order.compactMap { changed[$0] }, deleted: deleted, next: page.next)
    }

    /// Reports a state change and returns the container as the server now has it; a container
    /// the server no longer has (404) or no longer gives this node (409) is not an error for
    /// the agent (nil).
    func report(_ id: String, _ report: StatusReport) async throws -> Container? {
        let reply = try await client.send("PUT", "/v1/containers/\(id)/status", body: try JSONEncoder().encode(report))
        if reply.status == 404 || reply.status == 409 { return nil }
        return try client.expectOK(reply).decode(Container.self)
    }
}
