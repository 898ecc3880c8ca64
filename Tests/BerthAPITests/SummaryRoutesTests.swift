import BerthClient
import BerthStore
import BerthTesting
import Foundation
import Testing

/// `GET /v1/summary`: the cluster in counts, as the dashboard's overview reads it — its shape
/// is the spec's, its numbers follow the cluster, its lists are bounded, and an agent may not
/// read it.
@Suite struct SummaryRoutesTests {
    static let states = ["pending", "scheduled", "starting", "running", "exited", "failed", "lost"]

    func summary(_ client: SpecCheckedClient, _ query: String = "") async throws -> (body: [String: Any], reply: BerthClient.Reply) {
        let reply = try await client.get("/v1/summary" + query)
        #expect(reply.status == 200, "\(reply.text)")
        return (json(reply), reply)
    }

    /// The keys the spec's ClusterSummary requires, and no others.
    func expectShape(_ body: [String: Any]) {
        #expect(Set(body.keys) == ["index", "nodes", "containers", "services", "pending"])
        let nodes = body["nodes"] as? [String: Any] ?? [:]
        #expect(Set(nodes.keys) == ["total", "byStatus", "byAvailability"])
        #expect(Set((nodes["byStatus"] as? [String: Int] ?? [:]).keys) == ["ready", "down"])
        #expect(Set((nodes["byAvailability"] as? [String: Int] ?? [:]).keys) == ["active", "pause", "drain"])
        let containers = body["containers"] as? [String: Any] ?? [:]
        #expect(Set(containers.keys) == ["total", "byState"])
        #expect(Set((containers["byState"] as? [String: Int] ?? [:]).keys) == Set(Self.states))
        let services = body["services"] as? [String: Any] ?? [:]
        #expect(Set(services.keys) == ["total", "healthy", "degraded", "degradedItems"])
        for item in services["degradedItems"] as? [[String: Any]] ?? [] {
            #expect(Set(item.keys) == ["name", "desired", "running"])
        }
        let pending = body["pending"] as? [String: Any] ?? [:]
        #expect(Set(pending.keys) == ["total", "items"])
        for item in pending["items"] as? [[String: Any]] ?? [] {
            #expect(Set(item.keys) == ["id", "name", "service", "reason", "createIndex"], "every field, null or not: \(item)")
        }
    }

    @Test func countsFollowTheClusterWithReasonsVerbatim() async throws {
        try await LiveServer.with(loops: true, auth: true) { server in
            let admin = server.client
            let empty = try await summary(admin)
            expectShape(empty.body)
            #expect((empty.body["nodes"] as? [String: Any])?["total"] as? Int == 0)
            #expect(empty.body["index"] as? Int == empty.reply.index.map(Int.init), "the body's index is X-Berth-Index")

            try await admin.registerNode("n1", zone: "a")
            try await admin.registerNode("n2", zone: "b")
            _ = try await admin.put("/v1/nodes/n2", #"{"address":"127.0.0.1","labels":{"zone":"b"},"capacity":{"cpu":4000,"memory":8192},"availability":"drain"}"#)
            _ = try await admin.put("/v1/services/web", #"{"replicas":2,"template":{"image":"web","resources":{"cpu":100,"memory":64}}}"#)
            _ = try await admin.put("/v1/services/huge", #"{"replicas":1,"template":{"image":"x","resources":{"cpu":100,"memory":100000}}}"#)
            try await eventually("web's replicas are placed and huge is refused with a reason") {
                let placed = try await admin.containers("service=web").filter { $0["state"] as? String == "scheduled" }.count == 2
                let refused = try await admin.containers("service=huge").first?["reason"] is String
                return placed && refused
            }
            try await admin.runAll(service: "web")
            let huge = try #require(try await admin.containers("service=huge").first)

            let (body, reply) = try await summary(admin)
            expectShape(body)
            #expect(body["index"] as? Int == reply.index.map(Int.init))
            #expect(try #require(body["index"] as? Int) > empty.body["index"] as? Int ?? .max, "the index moved with the cluster")
            let nodes = try #require(body["nodes"] as? [String: Any])
            #expect(nodes["total"] as? Int == 2)
            #expect(nodes["byStatus"] as? [String: Int] == ["ready": 2, "down": 0])
            #expect(nodes["byAvailability"] as? [String: Int] == ["active": 1, "pause": 0, "drain": 1])
            let containers = try #require(body["containers"] as? [String: Any])
            #expect(containers["total"] as? Int == 3)
            let byState = try #require(containers["byState"] as? [String: Int])
            #expect(byState["running"] == 2 && byState["pending"] == 1 && byState.values.reduce(0, +) == 3)
            let services = try #require(body["services"] as? [String: Any])
            #expect(services["total"] as? Int == 2)
            #expect(services["healthy"] as? Int == 1)
            #expect(services["degraded"] as? Int == 1)
            let degraded = services["degradedItems"] as? [[String: Any]] ?? []
            #expect(degraded.count == 1)
            #expect(degraded.first?["name"] as? String == "huge")
            #expect(degraded.first?["desired"] as? Int == 1 && degraded.first?["running"] as? Int == 0)
            let pending = try #require(body["pending"] as? [String: Any])
            #expect(pending["total"] as? Int == 1)
            let item = try #require((pending["items"] as? [[String: Any]])?.first)
            #expect(item["id"] as? String == huge["id"] as? String)
            #expect(item["service"] as? String == "huge")
            #expect(item["reason"] as? String == huge["reason"] as? String, "the scheduler's reason, verbatim")
            #expect(item["name"] is NSNull, "a field without a value is null, not missing")

            // This server answers from the loops' kept model; the store's SQL answer is the same.
            try await eventually("the kept model's summary is the store's") {
                let served = try await summary(admin).body.filter { $0.key != "index" }
                let stored = try await server.store.read { try $0.summary(limit: 50) }.value
                let encoder = JSONEncoder()
                var fromStore = try JSONSerialization.jsonObject(with: try encoder.encode(stored)) as? [String: Any] ?? [:]
                fromStore["index"] = nil
                return NSDictionary(dictionary: served).isEqual(to: fromStore)
            }

            // The lists are bounded; the totals are not.
            let bounded = try await summary(admin, "?limit=0").body
            #expect(((bounded["pending"] as? [String: Any])?["items"] as? [Any])?.isEmpty == true)
            #expect((bounded["pending"] as? [String: Any])?["total"] as? Int == 1)
            #expect((bounded["services"] as? [String: Any])?["degraded"] as? Int == 1)
            let tooMany = try await admin.get("/v1/summary?limit=501")
            #expect(tooMany.status == 400)
            #expect(errorField(tooMany) == "limit")
        }
    }

    @Test func readersAndAdminsReadItAgentsDoNot() async throws {
        try await LiveServer.with(auth: true) { server in
            let admin = server.client
            func acting(_ body: String) async throws -> SpecCheckedClient {
                let secret = try #require(json(try await admin.post("/v1/tokens", body))["secret"] as? String)
                return SpecCheckedClient(client: admin.client.withToken(secret))
            }
            #expect(try await admin.get("/v1/summary").status == 200)
            #expect(try await acting(#"{"role":"reader"}"#).get("/v1/summary").status == 200)
            let agent = try await acting(#"{"role":"agent","node":"n1"}"#).get("/v1/summary")
            #expect(agent.status == 403)
            #expect(errorCode(agent) == "forbidden")
            #expect(try await SpecCheckedClient(client: admin.client.withToken(nil)).get("/v1/summary").status == 401)
        }
    }

    @Test func aBlockingSummaryWakesOnANodeChange() async throws {
        try await LiveServer.with { server in
            let client = server.client
            let first = try await summary(client)
            let index = try #require(first.reply.index)
            let waiting = Task { try await client.get("/v1/summary?index=\(index)&wait=60s") }
            try await server.parked()
            try await client.registerNode("n1", zone: "a")
            let woken = try await waiting.value
            #expect(woken.status == 200)
            #expect(try #require(woken.index) > index)
            #expect((json(woken)["nodes"] as? [String: Any])?["total"] as? Int == 1)
        }
    }
}
