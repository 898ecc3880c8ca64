import Foundation
import Testing

@Suite struct NetworkRoutesTests {
    @Test func builtInNetworksAndUserNetworks() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let list = json(try await c.get("/v1/networks"))["items"] as? [[String: Any]]
            #expect(list?.map { $0["name"] as? String } == ["default", "services"])
            #expect(json(try await c.get("/v1/networks/services"))["purpose"] as? String == "services")

            let created = try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","nodePrefix":26}"#)
            #expect(created.status == 201)
            #expect(json(created)["purpose"] as? String == "containers")
            let overlap = try await c.put("/v1/networks/other", #"{"subnet":"10.88.128.0/20"}"#)
            #expect(overlap.status == 409)
            #expect(errorMessage(overlap).contains("overlaps"))

            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let move = try await c.put("/v1/networks/default", #"{"subnet":"10.99.0.0/16"}"#)
            #expect(move.status == 409, "a network with leases keeps its subnet")
            #expect(try await c.get("/v1/networks/nope").status == 404)
        }
    }

    @Test(arguments: [#"{"subnet":"10.1.2.3/16"}"#, #"{"subnet":"10.0.0.0/33"}"#, #"{"subnet":"10.0.0.0/16","nodePrefix":8}"#, #"{"subnet":"fd00::/64"}"#])
    func badNetworksAre400(body: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/networks/edge", body)
            #expect(reply.status == 400)
        }
    }

    @Test func leasesFilter() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            _ = try await c.put("/v1/nodes/n2", nodeBody)
            _ = try await c.put("/v1/services/web", #"{"template":{"image":"x"}}"#)
            let all = json(try await c.get("/v1/leases"))["items"] as? [[String: Any]]
            #expect(all?.count == 3)
            let n2 = json(try await c.get("/v1/leases?node=n2"))["items"] as? [[String: Any]]
            #expect(n2?.first?["ip"] as? String == "10.88.1.0/24")
            #expect(n2?.first?["ownerKind"] as? String == "node")
            let vips = json(try await c.get("/v1/leases?network=services"))["items"] as? [[String: Any]]
            #expect(vips?.first?["owner"] as? String == "web")
        }
    }
}
