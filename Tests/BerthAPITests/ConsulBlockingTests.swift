import BerthClient
import BerthTesting
import Foundation
import Testing

/// Consul's blocking queries on the catalog: an answer's index moves only when the answer
/// does, a parked query wakes for a change of its answer and not for other writes, and the index
/// never goes backwards.
@Suite struct ConsulBlockingTests {
    static func index(_ reply: BerthClient.Reply) -> UInt64 { reply.headers["x-consul-index"].flatMap(UInt64.init) ?? 0 }

    static func statuses(_ reply: BerthClient.Reply) -> [String] {
        let items = (try? JSONSerialization.jsonObject(with: reply.body)) as? [[String: Any]] ?? []
        return items.compactMap { ($0["Checks"] as? [[String: Any]])?.last?["Status"] as? String }
    }

    @Test func aParkedQueryWakesForItsAnswerOnly() async throws {
        try await LiveServer.with(loops: true) { server in
            let ids = try await server.discoveryCluster()
            try await ConsulListener.with(server) { consul in
                let first = try await consul.get("/v1/health/service/web")
                let index = Self.index(first)
                #expect(Self.statuses(first) == ["passing", "passing"])
                // Writes that do not change this answer: a heartbeat, another service.
                _ = try await server.client.post("/v1/nodes/n1/heartbeat")
                #expect(Self.index(try await consul.get("/v1/health/service/web")) == index, "a heartbeat does not move the index")

                let parked = Task { try await consul.get("/v1/health/service/web?index=\(index)&wait=60000ms") }
                try await server.parked()
                _ = try await server.client.put("/v1/services/other", #"{"replicas":0,"template":{"image":"x"}}"#)
                _ = try await server.client.post("/v1/nodes/n2/heartbeat")
                // Proved by order: had the query answered at either write, it would show both
                // containers passing; it answers with the change it waited for.
                try await server.report(ids[1], healthy: false)
                let woken = try await parked.value
                #expect(woken.status == 200)
                #expect(Self.statuses(woken) == ["passing", "critical"], "it answered with the change it waited for: \(woken.text)")
                #expect(Self.index(woken) > index)

                // An older index answers at once; the current one would wait.
                let stale = try await consul.get("/v1/health/service/web?index=\(index)&wait=60000ms")
                #expect(Self.index(stale) == Self.index(woken))
                #expect(Self.statuses(stale) == ["passing", "critical"])
            }
        }
    }

    @Test func indexesNeverGoBackwardsAndAnIndexFromTheFutureWaitsOutItsWait() async throws {
        try await LiveServer.with(loops: true) { server in
            let ids = try await server.discoveryCluster()
            try await ConsulListener.with(server) { consul in
                var last: UInt64 = 0
                for round in 0..<6 {
                    try await server.report(ids[round % 2], healthy: round % 3 != 0)
                    for path in ["/v1/health/service/web", "/v1/catalog/service/web", "/v1/health/state/any", "/v1/catalog/services"] {
                        let index = Self.index(try await consul.get(path))
                        #expect(index >= 1)
                        if path == "/v1/health/service/web" {
                            #expect(index >= last, "round \(round): \(index) after \(last)")
                            last = index
                        }
                    }
                }
                // An index the server never handed out (a restored, older database): the query
                // waits out its wait, then answers with the current index (clients reset to it).
                let future = try await consul.get("/v1/catalog/services?index=999999999&wait=300ms")
                #expect(future.status == 200)
                #expect(Self.index(future) < 999_999_999)
            }
        }
    }

    @Test func aMissingKeyBlocksInsteadOfSpinning() async throws {
        try await LiveServer.with { server in
            try await ConsulListener.with(server) { consul in
                let first = try await consul.get("/v1/kv/fabio/config?recurse=")
                #expect(first.status == 404)
                let index = Self.index(first)
                let started = ContinuousClock.now
                let blocked = try await consul.get("/v1/kv/fabio/config?index=\(index)&recurse=&wait=400ms")
                #expect(blocked.status == 404)
                #expect(ContinuousClock.now - started >= .milliseconds(400), "it waited out its wait")
                #expect(Self.index(blocked) == index)
            }
        }
    }

    @Test func blockingQueriesCountAgainstTheClientsAllowance() async throws {
        try await LiveServer.with { server in
            try await ConsulListener.with(server, maxWatchesPerClient: 1) { consul in
                let index = Self.index(try await consul.get("/v1/catalog/services"))
                let parked = Task { try await consul.get("/v1/catalog/services?index=\(index)&wait=60s") }
                try await server.parked()
                let refused = try await consul.get("/v1/catalog/services?index=\(index)&wait=60s")
                #expect(refused.status == 429)
                #expect(refused.headers["x-consul-knownleader"] == "true")
                _ = try await server.client.put("/v1/services/wake", #"{"replicas":0,"template":{"image":"x"}}"#)
                #expect(try await parked.value.status == 200)
            }
        }
    }
}
