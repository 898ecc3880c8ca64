import BerthAPI
import BerthClient
import BerthCore
import BerthStore
import BerthTesting
import Foundation
import Logging
import Testing

/// The Consul-compatible catalog on a free port of 127.0.0.1, over a `LiveServer`'s store, for
/// the duration of one test; with `auth`, tokens are checked as `berth serve` checks them.
struct ConsulListener {
    let url: URL

    /// A client of the listener sending no Berth token; pass Consul's headers per request.
    var client: BerthClient { BerthClient(server: url, token: nil) }

    /// A GET held to `api-spec/consul.yaml`: a documented operation answers a status it
    /// documents (anything else is a 404), and every answer carries Consul's headers.
    func get(_ path: String, headers: [String: String] = [:], sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        let reply = try await client.send("GET", path, headers: headers)
        let spec = OpenAPIDocument.consul
        let documented = spec.operation(method: "GET", path: path).flatMap { spec.statuses[$0] } ?? [404]
        #expect(documented.contains(reply.status), "GET \(path) answered \(reply.status), documented: \(documented.sorted())", sourceLocation: sourceLocation)
        #expect((reply.headers["x-consul-index"].flatMap(UInt64.init) ?? 0) >= 1, "X-Consul-Index on GET \(path)", sourceLocation: sourceLocation)
        #expect(reply.headers["x-consul-knownleader"] == "true", sourceLocation: sourceLocation)
        #expect(reply.headers["x-consul-lastcontact"] == "0", sourceLocation: sourceLocation)
        return reply
    }

    static func with(_ server: LiveServer, auth: Bool = false, maxWatchesPerClient: Int = 1_000, _ body: (ConsulListener) async throws -> Void) async throws {
        var options = APIServer.Options()
        options.maxWatchesPerClient = maxWatchesPerClient
        if auth { options.authenticator = TokenAuthenticator(store: server.store) }
        var logger = Logger(label: "berth.test.consul")
        logger.logLevel = ProcessInfo.processInfo.environment["BERTH_TEST_LOG"] == nil ? .critical : .debug
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = try ConsulServer.makeApplication(store: server.store, host: "127.0.0.1", port: 0, options: options, logger: logger) { port in
            continuation.yield(port)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            do {
                try await body(ConsulListener(url: URL(string: "http://127.0.0.1:\(port)")!))
            } catch {
                group.cancelAll()
                throw error
            }
            group.cancelAll()
        }
    }
}

extension LiveServer {
    /// Two nodes (n1 zone a, n2 zone b, both 127.0.0.1) and a service `web` of `replicas`
    /// containers serving port `http` 8080 with an HTTP health check, labelled for Traefik and
    /// Fabio, all reported running and healthy. Needs the loops (the scheduler places them).
    /// Returns the containers' ids, sorted.
    @discardableResult
    func discoveryCluster(replicas: Int = 2, labels: String = Self.webLabels) async throws -> [String] {
        let c = client
        try await c.registerNode("n1", zone: "a")
        try await c.registerNode("n2", zone: "b")
        _ = try await c.put("/v1/services/web", Self.webSpec(replicas: replicas, labels: labels))
        try await eventually("\(replicas) web replicas placed") {
            try await c.containers("service=web").filter { $0["state"] as? String == "scheduled" }.count == replicas
        }
        try await c.runAll(service: "web")
        try await eventually("\(replicas) web targets") {
            (json(try await c.get("/v1/services/web/targets"))["targets"] as? [Any])?.count == replicas
        }
        return try await c.containers("service=web").compactMap { $0["id"] as? String }.sorted()
    }

    static let webLabels = #"{"traefik.enable":"true","primary":"","tag.fabio":"urlprefix-/web","team":"shop"}"#

    static func webSpec(replicas: Int, labels: String) -> String {
        #"{"replicas":\#(replicas),"template":{"image":"web:1","resources":{"cpu":100,"memory":64},"ports":[{"name":"http","containerPort":8080}],"healthCheck":{"http":"/health"}},"labels":\#(labels)}"#
    }

    /// Reports a container's health as its agent would.
    func report(_ id: String, healthy: Bool) async throws {
        _ = try await client.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":\#(healthy)}"#)
    }
}
