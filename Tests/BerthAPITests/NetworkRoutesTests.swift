import Foundation
import Testing

@Suite struct NetworkRoutesTests {
    @Test func builtInNetworksAndUserNetworks() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let list = json(try await c.get("/v1/networks"))["items"] as? [[String: Any]]
            #expect(list?.map { $0["name"] as? String } == ["default", "services"])
            #expect(json(try await c.get("/v1/networks/services"))["purpose"] as? String == "services")
            let builtIn = json(try await c.get("/v1/networks/default"))
            #expect(builtIn["backend"] as? String == "vxlan")
            #expect(builtIn["vni"] as? Int == 1)

            let created = try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","nodePrefix":26,"vni":2}"#)
            #expect(created.status == 201)
            #expect(json(created)["purpose"] as? String == "containers")
            #expect(json(created)["backend"] as? String == "vxlan")
            #expect(json(created)["vni"] as? Int == 2)
            let overlap = try await c.put("/v1/networks/other", #"{"subnet":"10.88.128.0/20"}"#)
            #expect(overlap.status == 409)
            #expect(errorMessage(overlap).contains("overlaps"))

            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let move = try await c.put("/v1/networks/default", #"{"subnet":"10.99.0.0/16"}"#)
            #expect(move.status == 409, "a network with leases keeps its subnet")
            #expect(try await c.get("/v1/networks/nope").status == 404)
        }
    }

    @Test(arguments: [
        (#"{"subnet":"10.1.2.3/16"}"#, "subnet"), (#"{"subnet":"10.0.0.0/33"}"#, "subnet"),
        (#"{"subnet":"10.0.0.0/16","nodePrefix":8}"#, "nodePrefix"), (#"{"subnet":"fd00::/64"}"#, "subnet"),
        (#"{"subnet":"172.20.0.0/16","backend":"hostgw"}"#, "backend"), (#"{"subnet":"172.20.0.0/16","backend":"VXLAN"}"#, "backend"),
        (#"{"subnet":"172.20.0.0/16","backend":1}"#, "backend"), (#"{"subnet":"172.20.0.0/16","vni":0}"#, "vni"),
        (#"{"subnet":"172.20.0.0/16","vni":16777216}"#, "vni"), (#"{"subnet":"172.20.0.0/16","vni":-1}"#, "vni"),
        (#"{"subnet":"172.20.0.0/16","vni":"2"}"#, "vni"), (#"{"subnet":"172.20.0.0/16","vni":2.5}"#, "vni"),
        (#"{"subnet":"172.20.0.0/16","vni":2,"mtu":1450}"#, "mtu"),
    ])
    func badNetworksAre400NamingTheFieldWithNothingWritten(body: String, field: String) async throws {
        try await LiveServer.with { server in
            let before = try await server.client.get("/v1/networks/default")
            let reply = try await server.client.put("/v1/networks/edge", body)
            #expect(reply.status == 400)
            #expect(errorMessage(reply).hasPrefix("\(field):"), "\(errorMessage(reply))")
            #expect(try await server.client.get("/v1/networks/edge").status == 404)
            // The same body on an existing network changes nothing either.
            let again = try await server.client.put("/v1/networks/default", body.replacingOccurrences(of: "172.20.0.0/16", with: "10.88.0.0/16"))
            #expect(again.status == 400)
            let after = try await server.client.get("/v1/networks/default")
            #expect(after.text == before.text)
            #expect(after.index == before.index, "nothing was written")
        }
    }

    @Test func theBackendAndVNIChangeEvenWhileTheNetworkIsInUse() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let switched = try await c.put("/v1/networks/default", #"{"subnet":"10.88.0.0/16","backend":"host-gw"}"#)
            #expect(switched.status == 200)
            #expect(json(switched)["backend"] as? String == "host-gw")
            #expect(json(switched)["vni"] as? Int == 1)
            let events = json(try await c.get("/v1/events?kind=network&after=\(switched.index! - 1)"))["events"] as? [[String: Any]]
            #expect((events?.first?["object"] as? [String: Any])?["backend"] as? String == "host-gw", "the event carries the new backend")
            let same = try await c.put("/v1/networks/default", #"{"subnet":"10.88.0.0/16","backend":"host-gw","vni":1}"#)
            #expect(same.status == 200)
            #expect(same.index == switched.index, "an unchanged spec is not a write")
            let renumbered = try await c.put("/v1/networks/default", #"{"subnet":"10.88.0.0/16","vni":4096}"#)
            #expect(renumbered.status == 200)
            #expect(json(renumbered)["backend"] as? String == "vxlan", "an absent backend is the default, vxlan")
            #expect(json(renumbered)["vni"] as? Int == 4096)
            #expect(json(try await c.get("/v1/nodes/n1"))["subnet"] as? String == "10.88.0.0/24", "the node keeps its lease")
        }
    }

    @Test func twoVXLANNetworksMayNotShareAVNI() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let clash = try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16"}"#)
            #expect(clash.status == 409, "default already tunnels on VNI 1")
            #expect(errorMessage(clash).contains("default"))
            #expect(try await c.get("/v1/networks/edge").status == 404)
            #expect(try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","backend":"host-gw"}"#).status == 201, "host-gw uses no VNI")
            #expect(try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","backend":"vxlan"}"#).status == 409)
            #expect(try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","backend":"vxlan","vni":7}"#).status == 200)
            #expect(try await c.put("/v1/networks/services", #"{"subnet":"10.96.0.0/16","vni":7}"#).status == 200, "VIPs use no tunnel")
        }
    }

    @Test func aSubnetHoldingANodesAddressIs409NamingTheNode() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/edge-1", #"{"address":"172.20.9.7","capacity":{"cpu":1,"memory":1}}"#)
            let reply = try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","vni":2}"#)
            #expect(reply.status == 409)
            #expect(errorCode(reply) == "conflict")
            #expect(errorMessage(reply).contains("edge-1"), "\(errorMessage(reply))")
            #expect(errorMessage(reply).contains("172.20.9.7"))
            #expect(try await c.get("/v1/networks/edge").status == 404, "nothing was written")
            #expect(try await c.put("/v1/networks/edge", #"{"subnet":"172.21.0.0/16","vni":2}"#).status == 201)
            // Moving a network onto the node is refused the same way.
            let moved = try await c.put("/v1/networks/edge", #"{"subnet":"172.20.0.0/16","vni":2}"#)
            #expect(moved.status == 409)
            #expect(errorMessage(moved).contains("edge-1"))
            #expect(json(try await c.get("/v1/networks/edge"))["subnet"] as? String == "172.21.0.0/16")
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
