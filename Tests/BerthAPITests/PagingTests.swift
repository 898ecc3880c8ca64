import BerthClient
import BerthCore
import BerthTesting
import Foundation
import Testing

/// Every list endpoint pages with `limit`/`next` over HTTP, and the client follows them.
@Suite struct PagingTests {
    @Test func everyListPagesAndTheClientFollowsToTheEnd() async throws {
        try await LiveServer.with(loops: true) { server in
            for i in 0..<7 {
                _ = try await server.client.put("/v1/nodes/n\(i)", #"{"address":"10.0.0.\#(i + 1)","capacity":{"cpu":4000,"memory":8192}}"#)
                _ = try await server.client.put("/v1/services/s\(i)", #"{"template":{"image":"x"},"replicas":1}"#)
            }
            try await eventually("replicas exist", timeout: .seconds(30)) {
                try await server.client.client.list(Container.self, "/v1/containers").value.items.count == 7
            }
            for path in ["/v1/nodes", "/v1/services", "/v1/containers", "/v1/leases", "/v1/networks", "/v1/targets"] {
                let first = try await server.client.get("\(path)?limit=1")
                #expect(first.status == 200, "\(path)")
                let body = json(first)
                #expect((body["items"] as? [Any])?.count == 1, "\(path)")
                #expect(body["next"] is String, "\(path) has more than one item")
            }
            let nodes = try await server.client.client.list(Node.self, "/v1/nodes", pageSize: 2)
            #expect(nodes.value.items.map(\.name) == (0..<7).map { "n\($0)" })
            // The agent's way: the same items and a change index, no JSON kept.
            let items = try await server.client.client.listItems(Node.self, "/v1/nodes", pageSize: 2)
            #expect(items.items.map(\.name) == nodes.value.items.map(\.name) && items.index > 0)
            #expect(try await server.client.client.listItems(Node.self, "/v1/nodes").items.count == 7, "one page")
            let leases = try await server.client.client.list(Lease.self, "/v1/leases", pageSize: 3)
            #expect(leases.value.items.count == 7 + 7 + 7, "7 node subnets, 7 VIPs and the 7 replicas' addresses")
        }
    }

    @Test func aLastPageSaysSoAndBadTokensAndLimitsAre400() async throws {
        try await LiveServer.with { server in
            let all = try await server.client.get("/v1/networks")
            #expect(json(all)["next"] is NSNull)
            #expect(try await server.client.get("/v1/nodes?next=nonsense").status == 400)
            #expect(try await server.client.get("/v1/nodes?limit=0").status == 400)
            #expect(try await server.client.get("/v1/nodes?limit=5001").status == 400)
        }
    }

    @Test func aTokenForAnotherFilterIs400() async throws {
        try await LiveServer.with(loops: true) { server in
            _ = try await server.client.put("/v1/services/web", #"{"template":{"image":"x"},"replicas":3}"#)
            _ = try await server.client.put("/v1/services/api", #"{"template":{"image":"x"},"replicas":3}"#)
            try await eventually("replicas exist", timeout: .seconds(30)) {
                (json(try await server.client.get("/v1/containers"))["items"] as? [Any])?.count == 6
            }
            let first = json(try await server.client.get("/v1/containers?service=web&limit=1"))
            let token = try #require(first["next"] as? String)
            let other = try await server.client.get("/v1/containers?service=api&next=\(token)")
            #expect(other.status == 400)
            #expect(errorMessage(other).hasPrefix("next:"))
            #expect(try await server.client.get("/v1/containers?service=web&next=\(token)").status == 200)
        }
    }
}
