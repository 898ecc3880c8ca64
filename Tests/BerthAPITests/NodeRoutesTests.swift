import BerthClient
import Foundation
import Testing

@Suite struct NodeRoutesTests {
    @Test func registerUpdateHeartbeatDelete() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let created = try await c.put("/v1/nodes/n1", nodeBody)
            #expect(created.status == 201)
            let node = json(created)
            #expect(node["status"] as? String == "ready")
            #expect(node["subnet"] as? String == "10.88.0.0/24")
            #expect(node["createIndex"] as? Int == Int(created.index!))
            #expect((node["capacity"] as? [String: Int])?["cpu"] == 4000)

            let same = try await c.put("/v1/nodes/n1", nodeBody)
            #expect(same.status == 200)
            #expect(same.index == created.index, "an unchanged spec is not a write")

            let updated = try await c.put("/v1/nodes/n1", #"{"address":"192.0.2.11","capacity":{"cpu":2000,"memory":1024},"availability":"drain"}"#)
            #expect(updated.status == 200)
            #expect(json(updated)["availability"] as? String == "drain")
            #expect(json(updated)["subnet"] as? String == "10.88.0.0/24", "an update keeps the subnet")
            #expect(updated.index! > created.index!)

            let beat = try await c.post("/v1/nodes/n1/heartbeat")
            #expect(beat.status == 200)
            #expect(beat.index! > updated.index!)

            let list = try await c.get("/v1/nodes")
            #expect((json(list)["items"] as? [[String: Any]])?.count == 1)

            let deleted = try await c.delete("/v1/nodes/n1")
            #expect(deleted.status == 200)
            #expect(try await c.get("/v1/nodes/n1").status == 404)
            let leases = try await c.get("/v1/leases?node=n1")
            #expect((json(leases)["items"] as? [Any])?.isEmpty == true, "the node's subnet is released")
            #expect(try await c.post("/v1/nodes/n1/heartbeat").status == 404)
            #expect(try await c.delete("/v1/nodes/n1").status == 404)
        }
    }

    @Test(arguments: [
        (#"{"address":"192.0.2.10","capacity":{"cpu":0,"memory":1}}"#, "capacity.cpu"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":"4","memory":1}}"#, "capacity.cpu"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"extra":1}"#, "extra"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1,"gpu":1}}"#, "capacity.gpu"),
        (#"{"capacity":{"cpu":1,"memory":1}}"#, "address"),
        (#"{"address":"not an address!","capacity":{"cpu":1,"memory":1}}"#, "address"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"availability":"sleeping"}"#, "availability"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"labels":{"bad key":"x"}}"#, "labels"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"01:00:5e:00:00:01"}"#, "vtepMAC"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"02:42:AC:11:00:02"}"#, "vtepMAC"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"02:42:ac:11:00"}"#, "vtepMAC"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"00:00:00:00:00:00"}"#, "vtepMAC"),
        (#"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":7}"#, "vtepMAC"),
        (#"{"address":"10.88.0.5","capacity":{"cpu":1,"memory":1}}"#, "address"),
        (#"{"address":"10.96.255.254","capacity":{"cpu":1,"memory":1}}"#, "address"),
        (#"{"address":"192.0.2.10","#, "body"),
        ("", "body"),
        ("[1,2]", "body"),
    ])
    func badNodeBodiesAre400NamingTheField(body: String, field: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/nodes/n1", body)
            #expect(reply.status == 400)
            #expect(errorCode(reply) == "invalid_argument")
            #expect(errorMessage(reply).contains(field), "message \"\(errorMessage(reply))\" does not name \(field)")
            #expect(try await server.client.get("/v1/nodes/n1").status == 404, "nothing half-written")
        }
    }

    @Test func theVTEPMACIsKeptUntilReportedAgain() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let plain = try await c.put("/v1/nodes/n1", nodeBody)
            #expect(plain.status == 201)
            #expect(json(plain).keys.contains("vtepMAC"))
            #expect(json(plain)["vtepMAC"] is NSNull, "null until reported")
            let reported = try await c.put("/v1/nodes/n1", #"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"02:42:ac:11:00:02"}"#)
            #expect(reported.status == 200)
            #expect(json(reported)["vtepMAC"] as? String == "02:42:ac:11:00:02")
            let same = try await c.put("/v1/nodes/n1", #"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"02:42:ac:11:00:02"}"#)
            #expect(same.index == reported.index, "the same MAC again is not a write")
            // An update that does not mention it (an admin's, by hand) keeps it; so does a heartbeat.
            let relabelled = try await c.put("/v1/nodes/n1", #"{"address":"192.0.2.10","labels":{"zone":"b"},"capacity":{"cpu":1,"memory":1}}"#)
            #expect(json(relabelled)["vtepMAC"] as? String == "02:42:ac:11:00:02")
            #expect(json(try await c.post("/v1/nodes/n1/heartbeat"))["vtepMAC"] as? String == "02:42:ac:11:00:02")
            let changed = try await c.put("/v1/nodes/n1", #"{"address":"192.0.2.10","capacity":{"cpu":1,"memory":1},"vtepMAC":"0a:00:00:00:00:01"}"#)
            #expect(json(changed)["vtepMAC"] as? String == "0a:00:00:00:00:01")
            let listed = json(try await c.get("/v1/nodes"))["items"] as? [[String: Any]]
            #expect(listed?.first?["vtepMAC"] as? String == "0a:00:00:00:00:01")
            let events = json(try await c.get("/v1/events?kind=node&after=\(changed.index! - 1)"))["events"] as? [[String: Any]]
            #expect((events?.first?["object"] as? [String: Any])?["vtepMAC"] as? String == "0a:00:00:00:00:01")
        }
    }

    /// A node's underlay address inside the overlay would route its own tunnels into themselves.
    @Test func anAddressInsideAClusterNetworkIs400AndAnUpdateKeepsTheOldOne() async throws {
        try await LiveServer.with { server in
            let c = server.client
            #expect(try await c.put("/v1/nodes/n1", nodeBody).status == 201)
            let moved = try await c.put("/v1/nodes/n1", #"{"address":"10.88.3.1","capacity":{"cpu":1,"memory":1}}"#)
            #expect(moved.status == 400)
            #expect(errorMessage(moved).hasPrefix("address:"))
            #expect(errorMessage(moved).contains("default"), "names the network: \(errorMessage(moved))")
            #expect(json(try await c.get("/v1/nodes/n1"))["address"] as? String == "192.0.2.10", "nothing was written")
            // Just outside both networks is fine; so are hostnames and IPv6.
            for address in ["10.87.255.255", "10.89.0.0", "10.95.255.255", "10.97.0.0", "node-1.example", "fd00::1"] {
                let reply = try await c.put("/v1/nodes/n1", #"{"address":"\#(address)","capacity":{"cpu":1,"memory":1}}"#)
                #expect(reply.status == 200, "\(address): \(reply.text)")
            }
        }
    }

    @Test(arguments: ["Upper", "under_score", "-lead", String(repeating: "a", count: 64)])
    func badNamesAre400(name: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/nodes/\(name)", nodeBody)
            #expect(reply.status == 400)
            #expect(errorMessage(reply).contains("name"))
        }
    }

    /// Connections start with a 512-byte read buffer (ReadBufferSizer): a body hundreds of
    /// times larger still arrives whole, over many reads.
    @Test func bodiesFarLargerThanTheFirstReadBufferArriveWhole() async throws {
        try await LiveServer.with { server in
            let spaces = String(repeating: " ", count: 300_000)
            let reply = try await server.client.put("/v1/nodes/n1", #"{"address":"192.0.2.7",\#(spaces)"capacity":{"cpu":1,"memory":2}}"#)
            #expect(reply.status == 201)
            #expect(json(reply)["address"] as? String == "192.0.2.7")
            #expect((json(reply)["capacity"] as? [String: Any])?["memory"] as? Int == 2)
        }
    }

    @Test func oversizedBodyIs413() async throws {
        try await LiveServer.with { server in
            let padding = String(repeating: "x", count: 1 << 20)
            let reply = try await server.client.put("/v1/nodes/n1", #"{"address":"\#(padding)","capacity":{"cpu":1,"memory":1}}"#)
            #expect(reply.status == 413)
            #expect(errorCode(reply) == "payload_too_large")
        }
    }

    @Test func casGuardsWrites() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let created = try await c.put("/v1/nodes/n1?cas=0", nodeBody)
            #expect(created.status == 201)
            let again = try await c.put("/v1/nodes/n1?cas=0", nodeBody)
            #expect(again.status == 409)
            #expect(errorCode(again) == "cas_failed")
            let modify = json(created)["modifyIndex"] as! Int
            let stale = try await c.put("/v1/nodes/n1?cas=\(modify + 100)", #"{"address":"192.0.2.99","capacity":{"cpu":1,"memory":1}}"#)
            #expect(stale.status == 409)
            #expect(json(try await c.get("/v1/nodes/n1"))["address"] as? String == "192.0.2.10", "a failed cas changes nothing")
            let fresh = try await c.put("/v1/nodes/n1?cas=\(modify)", #"{"address":"192.0.2.99","capacity":{"cpu":1,"memory":1}}"#)
            #expect(fresh.status == 200)
            #expect(try await c.delete("/v1/nodes/n1?cas=1").status == 409)
            #expect(try await c.put("/v1/nodes/n1?cas=abc", nodeBody).status == 400)
        }
    }
}
