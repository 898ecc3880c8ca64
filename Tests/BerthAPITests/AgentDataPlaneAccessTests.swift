import BerthClient
import BerthTesting
import Foundation
import Testing

/// An agent token reads what its node's data plane needs (every node, network, service and
/// target, and their events) and still writes only its own node and its containers' status: both
/// directions over a live server with a real agent token.
@Suite struct AgentDataPlaneAccessTests {
    func acting(_ server: LiveServer, _ token: String) -> SpecCheckedClient {
        SpecCheckedClient(client: server.client.client.withToken(token))
    }

    static func node(_ address: String, mac: String) -> String {
        #"{"address":"\#(address)","capacity":{"cpu":4000,"memory":8192},"vtepMAC":"\#(mac)"}"#
    }

    static let web = #"""
        {"replicas":2,"template":{"image":"x","command":["sleep","60"],"resources":{"cpu":100,"memory":64},
         "ports":[{"name":"http","containerPort":8080}]},"placement":{"maxPerNode":1},"ports":[{"port":80,"targetPort":8080}]}
        """#

    @Test(.timeLimit(.minutes(3)))
    func anAgentReadsTheClusterItsDataPlaneNeedsAndWritesOnlyItsOwn() async throws {
        try await LiveServer.with(loops: true, auth: true) { server in
            let admin = server.client
            let issued = try await admin.post("/v1/tokens", #"{"role":"agent","node":"n1"}"#)
            let agent = acting(server, try #require(json(issued)["secret"] as? String))

            // Given two nodes, one registered by the agent, and a service with a replica on each.
            #expect(try await agent.put("/v1/nodes/n1", Self.node("198.18.0.2", mac: "02:00:00:00:00:01")).status == 201)
            #expect(try await admin.put("/v1/nodes/n2", Self.node("198.18.0.3", mac: "02:00:00:00:00:02")).status == 201)
            #expect(try await admin.put("/v1/services/web", Self.web).status == 201)
            var placed: [String: String] = [:]
            try await eventually("both replicas are placed") {
                let items = json(try await admin.get("/v1/containers?service=web"))["items"] as? [[String: Any]] ?? []
                placed = Dictionary(items.compactMap { item in (item["node"] as? String).map { ($0, item["id"] as! String) } }, uniquingKeysWith: { a, _ in a })
                return placed.count == 2
            }
            let mine = try #require(placed["n1"])
            let theirs = try #require(placed["n2"])
            #expect(try await agent.put("/v1/containers/\(mine)/status", #"{"state":"running"}"#).status == 200)
            #expect(try await admin.put("/v1/containers/\(theirs)/status", #"{"state":"running"}"#).status == 200)

            // Then it reads every node, with its peers' addresses, subnets and VTEP MACs.
            let nodes = try await agent.get("/v1/nodes")
            #expect(nodes.status == 200)
            let peers = (json(nodes)["items"] as? [[String: Any]] ?? []).map { ($0["name"] as? String, $0["vtepMAC"] as? String, $0["subnet"] as? String) }
            #expect(peers.map(\.0) == ["n1", "n2"])
            #expect(peers.map(\.1) == ["02:00:00:00:00:01", "02:00:00:00:00:02"])
            #expect(peers.allSatisfy { $0.2 != nil })
            let peer = try await agent.get("/v1/nodes/n2")
            #expect(peer.status == 200)
            #expect(json(peer)["address"] as? String == "198.18.0.3")

            // Networks, with their backends.
            #expect(try await agent.get("/v1/networks").status == 200)
            let network = try await agent.get("/v1/networks/default")
            #expect(network.status == 200)
            #expect(json(network)["backend"] as? String == "vxlan")
            #expect(json(network)["vni"] as? Int == 1)

            // Services and their targets, another node's included.
            #expect(try await agent.get("/v1/services").status == 200)
            #expect(try await agent.get("/v1/services/web").status == 200)
            try await eventually("both targets are listed to the agent") {
                let targets = try await agent.get("/v1/services/web/targets")
                let ids = Set((json(targets)["targets"] as? [[String: Any]] ?? []).compactMap { $0["container"] as? String })
                return targets.status == 200 && ids == [mine, theirs]
            }

            // And follows those kinds in the feed: nothing else is on the page.
            let feed = try await agent.get("/v1/events?kind=node,network,service,target")
            #expect(feed.status == 200)
            let kinds = Set((json(feed)["events"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String })
            #expect(kinds == ["node", "network", "service", "target"], "\(kinds)")
            // A long-poll of peers' changes wakes on another node's change.
            let after = try #require(feed.index)
            async let woken = agent.get("/v1/events?after=\(after)&kind=node&wait=10m")
            try await server.parked()
            #expect(try await admin.post("/v1/nodes/n2/heartbeat").status == 200)
            let page = try await woken
            #expect(page.status == 200)
            #expect((json(page)["events"] as? [[String: Any]])?.compactMap { $0["name"] as? String } == ["n2"])

            // But still not another node's containers, leases, tokens, the backup or the whole feed.
            let before = try await admin.get("/v1/services/web")
            for path in [
                "/v1/containers/\(theirs)", "/v1/containers?node=n2", "/v1/containers", "/v1/leases", "/v1/leases?node=n1",
                "/v1/tokens", "/v1/backup", "/v1/events", "/v1/events?kind=container", "/v1/events?kind=lease",
                "/v1/events?kind=node,service,container", "/v1/events?node=n2", "/v1/events?node=n2&kind=node",
            ] {
                let reply = try await agent.get(path)
                #expect(reply.status == 403, "GET \(path) answered \(reply.status)")
                #expect(errorCode(reply) == "forbidden")
            }
            let typo = try await agent.get("/v1/events?kind=nodes")
            #expect(typo.status == 400, "a kind that names nothing is a 400 naming the parameter")
            #expect(errorMessage(typo).hasPrefix("kind:"))

            // Nor write anything beyond its node and its containers' status.
            let writes: [(String, String, String?)] = [
                ("PUT", "/v1/services/web", Self.web.replacingOccurrences(of: #""replicas":2"#, with: #""replicas":0"#)),
                ("DELETE", "/v1/services/web", nil),
                ("PUT", "/v1/networks/default", #"{"subnet":"10.88.0.0/16","backend":"host-gw"}"#),
                ("PUT", "/v1/networks/edge", #"{"subnet":"172.20.0.0/16","vni":2}"#),
                ("PUT", "/v1/nodes/n2", Self.node("198.18.0.3", mac: "02:00:00:00:00:09")),
                ("POST", "/v1/nodes/n2/heartbeat", nil),
                ("DELETE", "/v1/nodes/n2", nil),
                ("DELETE", "/v1/nodes/n1", nil),
                ("PUT", "/v1/containers/\(theirs)/status", #"{"state":"failed"}"#),
                ("DELETE", "/v1/containers/\(mine)", nil),
                ("POST", "/v1/containers", #"{"image":"x"}"#),
                ("POST", "/v1/tokens", #"{"role":"admin"}"#),
            ]
            for (method, path, body) in writes {
                let reply = try await agent.send(method, path, body: body)
                #expect(reply.status == 403, "\(method) \(path) answered \(reply.status)")
            }
            let after403 = try await admin.get("/v1/services/web")
            #expect(json(after403)["modifyIndex"] as? Int == json(before)["modifyIndex"] as? Int, "the refused writes changed nothing")
            #expect(json(try await admin.get("/v1/networks/default"))["backend"] as? String == "vxlan")
            #expect(json(try await admin.get("/v1/nodes/n2"))["vtepMAC"] as? String == "02:00:00:00:00:02")
            #expect(try await admin.get("/v1/networks/edge").status == 404)

            // Its own node it still updates, VTEP MAC included.
            let moved = try await agent.put("/v1/nodes/n1", Self.node("198.18.0.2", mac: "02:00:00:00:00:11"))
            #expect(moved.status == 200)
            #expect(json(moved)["vtepMAC"] as? String == "02:00:00:00:00:11")
        }
    }
}
