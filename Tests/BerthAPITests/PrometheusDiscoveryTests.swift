@testable import BerthAPI
import BerthClient
import BerthCore
import BerthTesting
import Foundation
import Testing

/// `GET /v1/discovery/prometheus`: the services' healthy targets in Prometheus' `http_sd`
/// format, one group per target.
@Suite struct PrometheusDiscoveryTests {
    static func groups(_ reply: BerthClient.Reply) -> [[String: Any]] {
        (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
    }

    static func labels(_ group: [String: Any]) -> [String: String] { group["labels"] as? [String: String] ?? [:] }

    @Test func oneGroupPerHealthyTargetWithItsLabels() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            let ids = try await server.discoveryCluster()
            let reply = try await c.get("/v1/discovery/prometheus?service=web")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/json")
            let groups = Self.groups(reply)
            #expect(groups.count == 2)
            #expect(groups.compactMap { Self.labels($0)["__meta_berth_container"] } == ids)
            for group in groups {
                let targets = group["targets"] as? [String] ?? []
                #expect(targets.count == 1)
                #expect(targets.first?.hasPrefix("10.88.") == true && targets.first?.hasSuffix(":8080") == true, "\(targets)")
                let labels = Self.labels(group)
                #expect(labels["__meta_berth_service"] == "web")
                #expect(["n1", "n2"].contains(labels["__meta_berth_node"] ?? ""))
                #expect(labels["__meta_berth_node_address"] == "127.0.0.1")
                #expect(labels["__meta_berth_port"] == "8080")
                #expect(labels["__meta_berth_port_name"] == "http")
                #expect(labels["__meta_berth_service_label_traefik_enable"] == "true")
                #expect(labels["__meta_berth_service_label_tag_fabio"] == "urlprefix-/web")
                #expect(labels.keys.allSatisfy { $0.range(of: "^[a-zA-Z_][a-zA-Z0-9_]*$", options: .regularExpression) != nil })
            }

            // An unhealthy container is no target; a published port is reached on its node.
            try await server.report(ids[1], healthy: false)
            _ = try await c.put("/v1/containers/\(ids[0])/status", #"{"state":"running","healthy":true,"hostPorts":{"http":31000}}"#)
            let after = Self.groups(try await c.get("/v1/discovery/prometheus?service=web"))
            #expect(after.count == 1)
            #expect(after.first?["targets"] as? [String] == ["127.0.0.1:31000"])
        }
    }

    @Test func servicesFilterUnknownNamesAndBlocking() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            try await server.discoveryCluster()
            _ = try await c.put("/v1/services/empty", #"{"replicas":0,"template":{"image":"x"}}"#)
            #expect(Self.groups(try await c.get("/v1/discovery/prometheus")).count == 2, "every service's targets")
            #expect(try await c.get("/v1/discovery/prometheus?service=nothing-yet").text == "[]", "an unknown service has no targets")
            #expect(Self.groups(try await c.get("/v1/discovery/prometheus?service=empty,web")).count == 2)
            let bad = try await c.get("/v1/discovery/prometheus?service=Web")
            #expect(bad.status == 400)
            #expect(errorField(bad) == "service")

            let first = try await c.get("/v1/discovery/prometheus?service=web")
            let parked = Task { try await c.get("/v1/discovery/prometheus?service=web&index=\(first.index!)&wait=60s") }
            try await server.parked()
            let id = try await c.containers("service=web").compactMap { $0["id"] as? String }.sorted()[0]
            try await server.report(id, healthy: false)
            let woken = try await parked.value
            #expect(Self.groups(woken).count == 1)
            #expect(woken.index! > first.index!)
        }
    }

    @Test func readersMayAgentsMayNot() {
        let call = AccessPolicy.Call(method: "GET", route: "/v1/discovery/prometheus")
        #expect(AccessPolicy.decide(.reader, call) == .allow)
        #expect(AccessPolicy.decide(.admin, call) == .allow)
        #expect(AccessPolicy.decide(nil, call) == .unauthenticated)
        if case .forbidden = AccessPolicy.decide(.agent(node: "n1"), call) {} else { Issue.record("an agent token may not read the discovery targets") }
    }

    @Test(arguments: [("traefik.enable", "traefik_enable"), ("a-b.c_d", "a_b_c_d"), ("Zone9", "Zone9")])
    func labelNamesArePrometheusNames(_ key: String, _ name: String) {
        #expect(DiscoveryRoutes<BerthRequestContext>.labelName(key) == name)
    }
}
