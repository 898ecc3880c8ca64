import BerthClient
import BerthTesting
import Foundation
import Testing

/// Debian's real Prometheus finds a service's containers through Berth's HTTP service discovery
/// (`/v1/discovery/prometheus`), scrapes them (`up == 1` for each), and drops one that goes
/// away. (Debian builds Prometheus 2.42 without `consul_sd_configs`, so its Consul discovery
/// is proved by the replay of its requests in `ConsulClientTests` instead.)
///
/// The containers are tiny HTTP servers (Fixtures/metrics_app.py) run by a real `berth agent`
/// with the process driver, on host ports of 127.0.0.1: the addresses Berth hands out are the
/// ones Prometheus scrapes.
@Suite(.heavy, .serialized) struct PrometheusScrapeTests {
    static let app = BerthBinary.repositoryRoot.appendingPathComponent("Tests/EndToEndTests/Fixtures/metrics_app.py").path

    @Test(.requires("prometheus", "python3"))
    func prometheusDiscoversScrapesAndDropsContainers() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let agents = folder.appendingPathComponent("agents").path
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--node-timeout", "5s"])
        var children: [ChildProcess] = []
        defer {
            children.forEach { $0.terminate() }
            killAgentContainers(agents)
            server.child.terminate()
        }
        let client = server.client
        let agentToken = try await server.issueToken(role: "agent", node: "n1")
        children.append(try ChildProcess(BerthBinary.path, [
            "agent", "--server", server.url.absoluteString, "--node", "n1", "--state-dir", agents,
            "--cpu", "4000", "--memory", "4096", "--heartbeat-interval", "1s", "--stop-grace", "2s",
        ], log: folder.appendingPathComponent("agent.log"), environment: BerthBinary.environment(token: agentToken)))

        let spec = #"{"replicas":2,"template":{"image":"python:3","command":["python3","\#(Self.app)"],"ports":[{"name":"http","containerPort":8080}],"healthCheck":{"http":"/metrics","interval":"1s"}},"labels":{"team":"shop"}}"#
        _ = try client.expectOK(try await client.send("PUT", "/v1/services/web", body: Data(spec.utf8)))
        var addresses: Set<String> = []
        try await eventually("two healthy targets", timeout: .seconds(60)) {
            addresses = try await Self.targets(client)
            return addresses.count == 2
        }

        // Prometheus, with the reader token in a file as its docs advise. `type: Bearer` is
        // needed: 2.42 leaves the default type out of http_sd's header (it sends the bare token).
        let tokenFile = folder.appendingPathComponent("reader.token").path
        _ = FileManager.default.createFile(atPath: tokenFile, contents: Data(try await server.issueToken(role: "reader").utf8), attributes: [.posixPermissions: 0o600])
        let config = folder.appendingPathComponent("prometheus.yml").path
        try """
            global:
              scrape_interval: 1s
              scrape_timeout: 1s
            scrape_configs:
              - job_name: berth-http-sd
                http_sd_configs:
                  - url: \(server.url.absoluteString)/v1/discovery/prometheus?service=web
                    refresh_interval: 1s
                    authorization:
                      type: Bearer
                      credentials_file: \(tokenFile)
                relabel_configs:
                  - source_labels: [__meta_berth_container]
                    target_label: container
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let web = freePort()
        children.append(try ChildProcess(try Tools.require("prometheus"), [
            "--config.file", config, "--storage.tsdb.path", folder.appendingPathComponent("tsdb").path,
            "--web.listen-address", "127.0.0.1:\(web)", "--log.level", "warn",
        ], log: folder.appendingPathComponent("prometheus.log")))
        let prometheus = BerthClient(server: URL(string: "http://127.0.0.1:\(web)")!, token: nil)

        try await eventually("Prometheus scrapes both containers (up == 1 for each)", timeout: .seconds(90)) {
            try await Self.up(prometheus, job: "berth-http-sd") == addresses.reduce(into: [:]) { $0[$1] = "1" }
        }
        let labelled = try await Self.activeTargets(prometheus, job: "berth-http-sd")
        #expect(Set(labelled.compactMap { ($0["labels"] as? [String: String])?["container"] }).count == 2, "relabelled from __meta_berth_container")
        #expect(labelled.allSatisfy { ($0["discoveredLabels"] as? [String: String])?["__meta_berth_service_label_team"] == "shop" })

        // One container goes: Prometheus drops it.
        _ = try client.expectOK(try await client.send("PUT", "/v1/services/web", body: Data(spec.replacingOccurrences(of: #""replicas":2"#, with: #""replicas":1"#).utf8)))
        try await eventually("one target left", timeout: .seconds(60)) {
            addresses = try await Self.targets(client)
            return addresses.count == 1
        }
        try await eventually("Prometheus drops the removed container", timeout: .seconds(60)) {
            Set(try await Self.activeTargets(prometheus, job: "berth-http-sd").compactMap { ($0["labels"] as? [String: String])?["instance"] }) == addresses
        }
        let left = try #require(addresses.first)
        #expect(try await Self.up(prometheus, job: "berth-http-sd")[left] == "1", "the one left is still up")
    }

    /// The service's target addresses as Prometheus should scrape them (host ports on 127.0.0.1).
    static func targets(_ client: BerthClient) async throws -> Set<String> {
        let reply = try await client.get("/v1/services/web/targets")
        let targets = (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["targets"] as? [[String: Any]] ?? []
        return Set(targets.compactMap { target in (target["hostPort"] as? Int).map { "127.0.0.1:\($0)" } })
    }

    static func activeTargets(_ prometheus: BerthClient, job: String) async throws -> [[String: Any]] {
        guard let reply = try? await prometheus.get("/api/v1/targets?state=active"), reply.status == 200 else { return [] }
        let data = (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["data"] as? [String: Any]
        return (data?["activeTargets"] as? [[String: Any]] ?? []).filter { ($0["labels"] as? [String: String])?["job"] == job }
    }

    /// instance → the value of `up` for the job, from Prometheus' query API.
    static func up(_ prometheus: BerthClient, job: String) async throws -> [String: String] {
        guard let reply = try? await prometheus.get("/api/v1/query?query=up%7Bjob%3D%22\(job)%22%7D"), reply.status == 200 else { return [:] }
        let data = (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["data"] as? [String: Any]
        var values: [String: String] = [:]
        for sample in data?["result"] as? [[String: Any]] ?? [] {
            if let instance = (sample["metric"] as? [String: String])?["instance"], let value = (sample["value"] as? [Any])?.last as? String {
                values[instance] = value
            }
        }
        return values
    }
}
