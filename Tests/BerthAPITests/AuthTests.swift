import BerthClient
import BerthStore
import BerthTesting
import Foundation
import GRDB
import Glibc
import Testing

/// Bearer tokens and roles over a live server with tokens on.
@Suite struct AuthTests {
    /// A spec-checked client acting with `token` (nil: none at all).
    func acting(_ server: LiveServer, _ token: String?) -> SpecCheckedClient {
        SpecCheckedClient(client: server.client.client.withToken(token))
    }

    func issue(_ server: LiveServer, _ body: String) async throws -> (id: String, secret: String) {
        let reply = try await server.client.post("/v1/tokens", body)
        #expect(reply.status == 201, "\(reply.text)")
        let object = json(reply)
        return (object["id"] as! String, object["secret"] as! String)
    }

    @Test func callsWithoutAUsableTokenAre401ButHealthIsOpen() async throws {
        try await LiveServer.with(auth: true) { server in
            let anonymous = acting(server, nil)
            let none = try await anonymous.get("/v1/nodes")
            #expect(none.status == 401)
            #expect(errorCode(none) == "unauthenticated")
            #expect(try await anonymous.get("/healthz").status == 200)
            #expect(try await anonymous.get("/v1/openapi.yaml").status == 200)
            let wrong = try await acting(server, "berth_not-a-real-token").get("/v1/nodes")
            #expect(wrong.status == 401)
            #expect(!errorMessage(wrong).contains("berth_not-a-real-token"), "secrets never appear in error messages")
            let basic = try await server.client.client.withToken(nil).send("GET", "/v1/nodes")
            #expect(basic.status == 401)
            #expect(try await server.client.get("/v1/nodes").status == 200, "the admin token works")
        }
    }

    @Test func readersReadButCannotWriteAndTheRoleIsCheckedBeforeTheBody() async throws {
        try await LiveServer.with(auth: true) { server in
            _ = try await server.client.put("/v1/nodes/n1", nodeBody)
            let reader = acting(server, try await issue(server, #"{"role":"reader","description":"dashboards"}"#).secret)
            #expect(try await reader.get("/v1/nodes").status == 200)
            #expect(try await reader.get("/v1/nodes/n1").status == 200)
            let write = try await reader.put("/v1/nodes/n2", nodeBody)
            #expect(write.status == 403)
            #expect(errorCode(write) == "forbidden")
            let garbage = try await reader.put("/v1/nodes/n2", "{not json")
            #expect(garbage.status == 403, "a forbidden write is refused before its body is read")
            #expect(try await reader.get("/v1/backup").status == 403, "a backup holds the whole database: admins only")
            #expect(try await reader.get("/v1/tokens").status == 403)
            #expect(try await reader.post("/v1/tokens", #"{"role":"admin"}"#).status == 403)
        }
    }

    @Test func anAgentTokenActsForItsOwnNodeOnly() async throws {
        try await LiveServer.with(loops: true, auth: true) { server in
            let agent = acting(server, try await issue(server, #"{"role":"agent","node":"n1"}"#).secret)
            #expect(try await agent.put("/v1/nodes/n1", nodeBody).status == 201)
            #expect(try await server.client.put("/v1/nodes/n2", nodeBody).status == 201)
            #expect(try await agent.post("/v1/nodes/n1/heartbeat").status == 200)
            #expect(try await agent.get("/v1/nodes/n1").status == 200)
            #expect(try await agent.put("/v1/nodes/n2", nodeBody).status == 403)
            #expect(try await agent.post("/v1/nodes/n2/heartbeat").status == 403)
            #expect(try await agent.delete("/v1/nodes/n1").status == 403)
            #expect(try await agent.get("/v1/leases").status == 403)
            #expect(try await agent.get("/v1/containers").status == 403, "listing needs ?node=n1")
            #expect(try await agent.get("/v1/containers?node=n2").status == 403)

            let body = #"{"image":"x","command":["sleep","1"],"resources":{"cpu":100,"memory":64},"constraints":["node.name==NODE"]}"#
            let mine = json(try await server.client.post("/v1/containers", body.replacingOccurrences(of: "NODE", with: "n1")))["id"] as! String
            let theirs = json(try await server.client.post("/v1/containers", body.replacingOccurrences(of: "NODE", with: "n2")))["id"] as! String
            try await eventually("both are placed") {
                let a = json(try await server.client.get("/v1/containers/\(mine)"))["node"] as? String
                let b = json(try await server.client.get("/v1/containers/\(theirs)"))["node"] as? String
                return a == "n1" && b == "n2"
            }
            let listed = try await agent.get("/v1/containers?node=n1")
            #expect(listed.status == 200)
            #expect((json(listed)["items"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [mine])
            #expect(try await agent.get("/v1/containers/\(mine)").status == 200)
            #expect(try await agent.get("/v1/containers/\(theirs)").status == 403)
            #expect(try await agent.put("/v1/containers/\(mine)/status", #"{"state":"running"}"#).status == 200)
            let other = try await agent.put("/v1/containers/\(theirs)/status", #"{"state":"running"}"#)
            #expect(other.status == 403)
            #expect(errorMessage(other).contains("node n2"))

            let events = try await agent.get("/v1/events?kind=container&node=n1")
            #expect(events.status == 200)
            let names = Set(((json(events)["events"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String })
            #expect(names == [mine], "an agent follows only its own node's containers")
            #expect(try await agent.get("/v1/events").status == 403)
        }
    }

    @Test func aRevokedTokenFailsOnItsNextRequest() async throws {
        try await LiveServer.with(auth: true) { server in
            let (id, secret) = try await issue(server, #"{"role":"reader"}"#)
            let reader = acting(server, secret)
            #expect(try await reader.get("/v1/nodes").status == 200)
            let revoked = try await server.client.delete("/v1/tokens/\(id)")
            #expect(revoked.status == 200)
            #expect(json(revoked)["revokedAt"] is String)
            #expect(try await reader.get("/v1/nodes").status == 401)
            #expect(try await server.client.delete("/v1/tokens/nope").status == 404)
        }
    }

    @Test func secretsAreStoredOnlyAsHashesAndNeverListed() async throws {
        try await LiveServer.with(auth: true) { server in
            let (id, secret) = try await issue(server, #"{"role":"agent","node":"n7","description":"rack 7"}"#)
            let list = try await server.client.get("/v1/tokens")
            #expect(list.status == 200)
            #expect(!list.text.contains(secret))
            let item = (json(list)["items"] as? [[String: Any]])?.first { $0["id"] as? String == id }
            #expect(item?["role"] as? String == "agent")
            #expect(item?["node"] as? String == "n7")
            let cells = try await server.store.readDatabase { db in
                try Row.fetchAll(db, sql: "SELECT * FROM tokens").flatMap { row in
                    row.columnNames.map { "\($0)=\(row[$0] as DatabaseValue)" }
                }
            }.value
            #expect(!cells.isEmpty)
            #expect(!cells.contains { $0.contains(secret) }, "the database holds only the secret's hash")
            #expect(try await server.client.post("/v1/tokens", #"{"role":"agent"}"#).status == 400)
            #expect(try await server.client.post("/v1/tokens", #"{"role":"reader","node":"n1"}"#).status == 400)
            #expect(try await server.client.post("/v1/tokens", #"{"role":"root"}"#).status == 400)
        }
    }

    /// The two parked polls wait the maximum (10m) and are answered by a heartbeat, so they
    /// still hold their places when the third asks, however slow the machine.
    @Test(.timeLimit(.minutes(2)))
    func oneClientCannotHoldMoreLongPollsThanItsAllowance() async throws {
        try await LiveServer.with(auth: true, maxWatchesPerClient: 2) { server in
            let c = server.client
            let index = try await c.put("/v1/nodes/n1", nodeBody).index!
            async let first = c.get("/v1/nodes/n1?index=\(index)&wait=10m")
            async let second = c.get("/v1/nodes?index=\(index)&wait=10m")
            try await server.parked(2)
            let third = try await c.get("/v1/nodes/n1?index=\(index)&wait=5s")
            #expect(third.status == 429)
            #expect(errorCode(third) == "too_many_watches")
            let other = acting(server, try await issue(server, #"{"role":"reader"}"#).secret)
            let unblocked = try await other.get("/v1/nodes/n1?index=\(index)&wait=100ms")
            #expect(unblocked.status == 200, "another client is not affected")
            _ = try await c.post("/v1/nodes/n1/heartbeat")
            #expect(try await first.status == 200)
            #expect(try await second.status == 200)
            #expect(try await c.get("/v1/nodes/n1?index=\(index)&wait=100ms").status == 200, "slots are given back")
        }
    }

    /// A client that disconnects while its poll is parked gives its place back at once (and
    /// the server its memory), rather than when the poll's `wait` runs out.
    @Test(.timeLimit(.minutes(2)))
    func aPollWhoseClientWentAwayGivesItsPlaceBack() async throws {
        try await LiveServer.with(auth: true, maxWatchesPerClient: 2) { server in
            let c = server.client
            let index = try await c.put("/v1/nodes/n1", nodeBody).index!
            let port = try #require(server.client.client.server.port)
            let baseline = server.store.hub.waiting
            for _ in 0..<2 {
                let fd = try RawConnection(port: port)
                fd.send("GET /v1/nodes/n1?index=\(index)&wait=600s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(server.adminToken!)\r\n\r\n")
                try await eventually("the poll parks") { server.store.hub.waiting > baseline }
                fd.close()
                try await eventually("the poll is released") { server.store.hub.waiting == baseline }
            }
            // Both places are free: two more polls park, a third is refused.
            async let first = c.get("/v1/nodes/n1?index=\(index)&wait=10m")
            async let second = c.get("/v1/nodes/n1?index=\(index)&wait=10m")
            try await server.parked(2)
            #expect(try await c.get("/v1/nodes/n1?index=\(index)&wait=10m").status == 429)
            _ = try await c.post("/v1/nodes/n1/heartbeat")
            #expect(try await first.status == 200)
            #expect(try await second.status == 200)
        }
    }
}

/// A bare TCP connection to 127.0.0.1, for requests an HTTP client would not leave unfinished.
final class RawConnection {
    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let status = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard status == 0 else { throw POSIXError(.ECONNREFUSED) }
    }

    func send(_ text: String) {
        _ = text.utf8CString.withUnsafeBufferPointer { Glibc.send(fd, $0.baseAddress, $0.count - 1, 0) }
    }

    func close() { _ = Glibc.close(fd) }
}
