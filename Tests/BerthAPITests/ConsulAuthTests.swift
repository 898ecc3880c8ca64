import BerthClient
import BerthTesting
import Foundation
import Testing

/// Tokens on the Consul listener: a reader or admin token as `X-Consul-Token` or a bearer
/// header; anything else is Consul's 403.
@Suite struct ConsulAuthTests {
    func issue(_ server: LiveServer, _ body: String) async throws -> (id: String, secret: String) {
        let reply = try await server.client.post("/v1/tokens", body)
        let object = json(reply)
        return (object["id"] as! String, object["secret"] as! String)
    }

    @Test func readersAndAdminsReadOthersAre403() async throws {
        try await LiveServer.with(auth: true) { server in
            let reader = try await issue(server, #"{"role":"reader"}"#)
            let agent = try await issue(server, #"{"role":"agent","node":"n1"}"#)
            let revoked = try await issue(server, #"{"role":"reader"}"#)
            _ = try await server.client.delete("/v1/tokens/\(revoked.id)")
            try await ConsulListener.with(server, auth: true) { consul in
                let path = "/v1/catalog/services"
                #expect(try await consul.get(path, headers: ["X-Consul-Token": reader.secret]).status == 200)
                #expect(try await consul.get(path, headers: ["Authorization": "Bearer \(reader.secret)"]).status == 200)
                #expect(try await consul.get(path, headers: ["X-Consul-Token": server.adminToken!]).status == 200)
                let none = try await consul.get(path)
                #expect(none.status == 403)
                #expect(none.text.hasPrefix("Permission denied"))
                #expect(none.headers["x-consul-index"] != nil)
                let agentReply = try await consul.get(path, headers: ["X-Consul-Token": agent.secret])
                #expect(agentReply.status == 403)
                #expect(agentReply.text.hasPrefix("Permission denied"))
                for secret in ["berth_unknown", revoked.secret] {
                    let reply = try await consul.get(path, headers: ["X-Consul-Token": secret])
                    #expect(reply.status == 403)
                    #expect(reply.text == "ACL not found\n")
                    #expect(!reply.text.contains(secret))
                }
                let basic = try await consul.get(path, headers: ["Authorization": "Basic dXNlcjpwYXNz"])
                #expect(basic.status == 403, "a Basic header is no token")
                #expect(try await consul.get("/v1/unknown").status == 404, "an unknown path is 404 before any token is asked for")
                #expect(try await consul.get("/v1/agent/self").status == 200, "agent/self is open: it tells only the datacenter")
            }
        }
    }
}
