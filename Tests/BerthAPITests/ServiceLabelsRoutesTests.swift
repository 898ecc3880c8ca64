import BerthTesting
import Foundation
import Testing

/// Service labels through the API: stored, shown back, validated with the field named.
@Suite struct ServiceLabelsRoutesTests {
    @Test func labelsAreShownBackAndChangeTheService() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let created = try await c.put("/v1/services/web", #"{"template":{"image":"x"},"labels":{"traefik.http.routers.web.rule":"Host(`web.example`)","primary":""}}"#)
            #expect(created.status == 201)
            #expect(json(created)["labels"] as? [String: String] == ["traefik.http.routers.web.rule": "Host(`web.example`)", "primary": ""])
            let read = try await c.get("/v1/services/web")
            #expect(json(read)["labels"] as? [String: String] == ["traefik.http.routers.web.rule": "Host(`web.example`)", "primary": ""])
            let unchanged = try await c.put("/v1/services/web", #"{"template":{"image":"x"},"labels":{"primary":"","traefik.http.routers.web.rule":"Host(`web.example`)"}}"#)
            #expect(unchanged.index == created.index, "the same labels are no change")
            let relabelled = try await c.put("/v1/services/web", #"{"template":{"image":"x"},"labels":{"team":"shop"}}"#)
            #expect(relabelled.index! > created.index!)
            #expect(json(try await c.get("/v1/services/web"))["labels"] as? [String: String] == ["team": "shop"])
            let plain = try await c.put("/v1/services/plain", #"{"template":{"image":"x"}}"#)
            #expect(json(plain)["labels"] as? [String: String] == [:], "no labels: an empty object")
            let list = try await c.get("/v1/services")
            #expect((json(list)["items"] as? [[String: Any]])?.first?["labels"] is [String: String])
        }
    }

    @Test(arguments: [
        (#"{"bad/key":"x"}"#, "labels.bad/key"),
        (#"{"a":"line\nbreak"}"#, "labels.a"),
        (#"{"a":1}"#, "labels.a"),
    ])
    func invalidLabelsName(_ labels: String, _ field: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/services/web", #"{"template":{"image":"x"},"labels":\#(labels)}"#)
            #expect(reply.status == 400)
            #expect(errorField(reply) == field, "\(reply.text)")
        }
    }
}
