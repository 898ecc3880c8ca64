import BerthCore
import BerthStore
import Foundation
import Hummingbird

/// The read-only Consul HTTP API subset that discovery clients (consul-template, Prometheus'
/// `consul_sd`, Traefik's consulCatalog, Fabio) call, answered from Berth's state.
struct ConsulRoutes<Context: RequestContext> {
    let store: Store
    let blocking: ConsulBlocking
    /// The listener's host, shown as the agent's address in `/v1/agent/self`.
    let host: String

    /// What catalog and health answers read: services (tags, ports), their containers, and
    /// the targets (health). A node's own changes (labels, a heartbeat) do not wake a query: a
    /// heartbeat is a write every few seconds per node; a node going down makes its containers
    /// `lost` in the same commit, which does.
    static var catalogKinds: WatchFilter { WatchFilter(kinds: [.service, .container, .target]) }

    func register(on router: Router<Context>) {
        router.get("/v1/catalog/services") { request, _ in
            let query = try ConsulRequest(query: request.uri.query)
            return try await blocking.respond(query, key: query.key(path: "services"), watching: .kind(.service)) { reader in
                let services = try reader.services(after: nil, limit: Int(Int32.max))
                let view = ConsulCatalogView(DiscoveryCatalog(services: services, instances: [:], nodes: []))
                return try ConsulJSON.encode(view.serviceTags())
            }
        }
        router.get("/v1/catalog/service/:name") { request, context in
            let name = try context.parameters.require("name")
            let query = try ConsulRequest(query: request.uri.query)
            return try await blocking.respond(query, key: query.key(path: "catalog/\(name)"), watching: Self.catalogKinds) { reader in
                let view = ConsulCatalogView(try reader.discoveryCatalog(services: [name]))
                return try ConsulJSON.encode(view.catalogService(name, query.filter))
            }
        }
        router.get("/v1/health/service/:name") { request, context in
            let name = try context.parameters.require("name")
            let query = try ConsulRequest(query: request.uri.query)
            return try await blocking.respond(query, key: query.key(path: "health/\(name)"), watching: Self.catalogKinds) { reader in
                let view = ConsulCatalogView(try reader.discoveryCatalog(services: [name]))
                return try ConsulJSON.encode(view.healthService(name, query.filter))
            }
        }
        router.get("/v1/health/state/:state") { request, context in
            let state = try context.parameters.require("state")
            guard ["any", "passing", "warning", "critical"].contains(state) else { throw ConsulError.badRequest("Invalid check state") }
            let query = try ConsulRequest(query: request.uri.query)
            return try await blocking.respond(query, key: query.key(path: "state/\(state)"), watching: Self.catalogKinds) { reader in
                let view = ConsulCatalogView(try reader.discoveryCatalog(services: nil))
                return try ConsulJSON.encode(view.checks(state: state))
            }
        }
        router.get("/v1/agent/self") { request, _ in
            _ = try ConsulRequest(query: request.uri.query)
            return ConsulBlocking.response(try ConsulJSON.encode(ConsulAgentSelf(host: host)), index: max(store.hub.current, 1))
        }
        // Berth keeps no key/value data: every key is missing. A blocking read of one still
        // blocks for its `wait` (the key never appears), as Consul's does, so clients that
        // watch a key (Fabio watches its manual routes) do not spin.
        router.get("/v1/kv/**") { request, context in
            let query = try ConsulRequest(query: request.uri.query)
            return try await blocking.respond(query, key: "kv", watching: WatchFilter(kinds: []), status: .notFound, json: false) { _ in [] }
        }
    }
}

/// `/v1/agent/self`: the agent's configuration and membership, of which clients read
/// `Config.Datacenter` (Prometheus' `consul_sd` and Fabio ask for it first).
struct ConsulAgentSelf: Encodable {
    struct Config: Encodable {
        var datacenter = ConsulShapes.datacenter
        var primaryDatacenter = ConsulShapes.datacenter
        var nodeName = "berth"
        var nodeID = ConsulNodeID.of("berth")
        var server = true
        var revision = "berth"
        /// A Consul version whose read API this subset follows, marked as Berth's.
        var version = "1.17.0+berth"

        enum CodingKeys: String, CodingKey {
            case datacenter = "Datacenter", primaryDatacenter = "PrimaryDatacenter", nodeName = "NodeName", nodeID = "NodeID"
            case server = "Server", revision = "Revision", version = "Version"
        }
    }

    struct Member: Encodable {
        var name = "berth"
        var addr: String
        var tags = ["dc": ConsulShapes.datacenter, "role": "consul", "build": "1.17.0+berth"]
        var status = 1

        enum CodingKeys: String, CodingKey { case name = "Name", addr = "Addr", tags = "Tags", status = "Status" }
    }

    var config = Config()
    var member: Member
    var meta: [String: String] = [:]

    init(host: String) { member = Member(addr: host) }

    enum CodingKeys: String, CodingKey { case config = "Config", member = "Member", meta = "Meta" }
}
