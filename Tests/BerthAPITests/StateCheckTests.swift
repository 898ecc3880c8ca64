import BerthClient
import BerthTesting
import Foundation
import Testing

/// `GET /v1/state/check` over a live server whose loops run: the in-memory state they decide
/// from agrees with the store, for an admin and a reader; an agent may not ask; a server
/// without loops says it keeps no state.
@Suite struct StateCheckTests {
    @Test func theLoopsStateAgreesWithTheStoreAndOnlyOperatorsMayAsk() async throws {
        try await LiveServer.with(loops: true, auth: true) { server in
            let admin = server.client
            try await admin.registerNode("n1", zone: "a")
            try await admin.registerNode("n2", zone: "b")
            _ = try await admin.put("/v1/services/web", #"{"replicas":3,"template":{"image":"web","resources":{"cpu":100,"memory":64}}}"#)
            _ = try await admin.put("/v1/services/huge", #"{"replicas":1,"template":{"image":"x","resources":{"cpu":100,"memory":100000}}}"#)
            try await eventually("web's replicas are placed") {
                try await admin.containers("service=web").filter { $0["state"] as? String == "scheduled" }.count == 3
            }
            var check: [String: Any] = [:]
            try await eventually("the state has caught up with every replica") {
                check = json(try await admin.get("/v1/state/check"))
                return check["containers"] as? Int == 4
            }
            #expect(check["differences"] as? [String] == [])
            #expect(check["nodes"] as? Int == 2)
            #expect(check["services"] as? Int == 2)
            #expect(check["pending"] as? Int == 1, "huge fits nowhere")

            let reader = SpecCheckedClient(client: admin.client.withToken(try #require(json(try await admin.post("/v1/tokens", #"{"role":"reader"}"#))["secret"] as? String)))
            #expect(try await reader.get("/v1/state/check").status == 200)
            let agent = SpecCheckedClient(client: admin.client.withToken(try #require(json(try await admin.post("/v1/tokens", #"{"role":"agent","node":"n1"}"#))["secret"] as? String)))
            #expect(try await agent.get("/v1/state/check").status == 403)
            #expect(try await SpecCheckedClient(client: admin.client.withToken(nil)).get("/v1/state/check").status == 401)
        }
    }

    @Test func aServerWithoutLoopsKeepsNoState() async throws {
        try await LiveServer.with(loops: false) { server in
            let answer = try await server.client.get("/v1/state/check")
            #expect(answer.status == 503)
            #expect(String(decoding: answer.body, as: UTF8.self).contains("keeps no cluster state"))
        }
    }
}
