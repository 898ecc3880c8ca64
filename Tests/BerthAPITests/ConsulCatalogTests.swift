import BerthClient
import BerthTesting
import Foundation
import Testing

/// The Consul-compatible catalog over a live server: Consul's shapes, filters, headers and
/// errors, as Consul clients read them.
@Suite struct ConsulCatalogTests {
    static func object(_ reply: BerthClient.Reply) -> Any? { try? JSONSerialization.jsonObject(with: reply.body) }

    /// Consul's headers, on every answer.
    static func expectConsulHeaders(_ reply: BerthClient.Reply, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect((reply.headers["x-consul-index"].flatMap(UInt64.init) ?? 0) >= 1, "X-Consul-Index: \(reply.headers)", sourceLocation: sourceLocation)
        #expect(reply.headers["x-consul-knownleader"] == "true", sourceLocation: sourceLocation)
        #expect(reply.headers["x-consul-lastcontact"] == "0", sourceLocation: sourceLocation)
    }

    @Test func catalogAndHealthSpeakConsul() async throws {
        try await LiveServer.with(loops: true) { server in
            let ids = try await server.discoveryCluster()
            try await ConsulListener.with(server) { consul in
                let services = try await consul.get("/v1/catalog/services")
                Self.expectConsulHeaders(services)
                #expect(services.headers["content-type"] == "application/json")
                let tags = Self.object(services) as? [String: [String]]
                #expect(tags?["web"] == ["primary", "urlprefix-/web", "team=shop", "traefik.enable=true"], "tags in label-key order: \(services.text)")

                let catalog = try await consul.get("/v1/catalog/service/web")
                Self.expectConsulHeaders(catalog)
                let entries = Self.object(catalog) as? [[String: Any]] ?? []
                #expect(entries.compactMap { $0["ServiceID"] as? String } == ids, "one entry per container, by id")
                for entry in entries {
                    #expect(entry["ServiceName"] as? String == "web")
                    #expect(entry["ServicePort"] as? Int == 8080)
                    #expect((entry["ServiceAddress"] as? String)?.hasPrefix("10.88.") == true, "the container's address: \(entry)")
                    #expect(entry["Datacenter"] as? String == "berth")
                    #expect(entry["Address"] as? String == "127.0.0.1")
                    #expect(["n1", "n2"].contains(entry["Node"] as? String ?? ""))
                    #expect((entry["ID"] as? String).flatMap(UUID.init(uuidString:)) != nil, "a node ID is a UUID")
                    #expect((entry["ServiceMeta"] as? [String: String])?["port-http"] == "8080")
                    #expect((entry["NodeMeta"] as? [String: String])?["zone"] != nil)
                }

                let health = try await consul.get("/v1/health/service/web")
                Self.expectConsulHeaders(health)
                let items = Self.object(health) as? [[String: Any]] ?? []
                let services2 = items.compactMap { $0["Service"] as? [String: Any] }
                let nodes = items.compactMap { $0["Node"] as? [String: Any] }
                #expect(services2.compactMap { $0["ID"] as? String } == ids, "the same order as the catalog")
                #expect(nodes.compactMap { $0["ID"] as? String } == entries.compactMap { $0["ID"] as? String }, "the same node IDs")
                for item in items {
                    let checks = item["Checks"] as? [[String: Any]] ?? []
                    #expect(checks.compactMap { $0["CheckID"] as? String }.first == "serfHealth")
                    #expect(checks.allSatisfy { $0["Status"] as? String == "passing" })
                    let serviceCheck = checks.last ?? [:]
                    #expect(serviceCheck["Type"] as? String == "http")
                    let definition = serviceCheck["Definition"] as? [String: Any]
                    #expect((definition?["HTTP"] as? String)?.hasSuffix(":8080/health") == true)
                }

                #expect(try await consul.get("/v1/catalog/service/nope").text == "[]", "an unknown service is an empty list")
                #expect(try await consul.get("/v1/health/service/Not_A_Name").text == "[]")

                let checks = Self.object(try await consul.get("/v1/health/state/any")) as? [[String: Any]] ?? []
                #expect(checks.count == 4, "two nodes' serfHealth and two containers' checks")
                #expect(checks.compactMap { $0["Node"] as? String } == checks.compactMap { $0["Node"] as? String }.sorted())
                #expect((Self.object(try await consul.get("/v1/health/state/critical")) as? [Any])?.isEmpty == true)
                #expect((Self.object(try await consul.get("/v1/health/state/passing")) as? [Any])?.count == 4)

                let agent = try await consul.get("/v1/agent/self")
                Self.expectConsulHeaders(agent)
                #expect(((Self.object(agent) as? [String: Any])?["Config"] as? [String: Any])?["Datacenter"] as? String == "berth")
            }
        }
    }

    @Test func filtersPassingTagsAndNodeMeta() async throws {
        try await LiveServer.with(loops: true) { server in
            let ids = try await server.discoveryCluster()
            try await server.report(ids[1], healthy: false)
            try await ConsulListener.with(server) { consul in
                func serviceIDs(_ path: String) async throws -> [String] {
                    let items = Self.object(try await consul.get(path)) as? [[String: Any]] ?? []
                    return items.compactMap { ($0["Service"] as? [String: Any])?["ID"] as? String ?? $0["ServiceID"] as? String }
                }
                #expect(try await serviceIDs("/v1/health/service/web") == ids, "health lists the unhealthy one too")
                #expect(try await serviceIDs("/v1/health/service/web?passing") == [ids[0]])
                #expect(try await serviceIDs("/v1/health/service/web?passing=1") == [ids[0]])
                #expect(try await serviceIDs("/v1/health/service/web?passing=false") == ids)
                #expect(try await serviceIDs("/v1/catalog/service/web") == ids, "the catalog lists every running instance")
                #expect(try await serviceIDs("/v1/health/service/web?tag=traefik.enable%3Dtrue&tag=primary") == ids)
                #expect(try await serviceIDs("/v1/health/service/web?tag=urlprefix-%2Fweb") == ids)
                #expect(try await serviceIDs("/v1/health/service/web?tag=nope").isEmpty)
                #expect(try await serviceIDs("/v1/catalog/service/web?tag=traefik.enable=false").isEmpty)
                let onA = try await serviceIDs("/v1/catalog/service/web?node-meta=zone:a")
                #expect(onA.count < ids.count || ids.count == 0, "node-meta keeps only zone a's: \(onA)")
                let critical = Self.object(try await consul.get("/v1/health/state/critical")) as? [[String: Any]] ?? []
                #expect(critical.compactMap { $0["ServiceID"] as? String } == [ids[1]])
                #expect(critical.first?["CheckID"] as? String == "service:\(ids[1])")
            }
        }
    }

    @Test(arguments: [
        ("/v1/catalog/services?index=abc", 400, "Invalid index"),
        ("/v1/catalog/services?wait=10", 400, "Invalid wait time"),
        ("/v1/health/state/bogus", 400, "Invalid check state"),
        ("/v1/health/service/web?passing=maybe", 400, "Invalid value for ?passing"),
        ("/v1/catalog/services?filter=ServiceName%3D%3Dweb", 400, "not supported"),
        ("/v1/catalog/service/web?node-meta=zone", 400, "Invalid node-meta"),
        ("/v1/catalog/services?dc=elsewhere", 500, "No path to datacenter"),
        ("/v1/agent/members", 404, "Invalid URL path: not a recognized HTTP API endpoint"),
        ("/v1/nodes", 404, "Invalid URL path"),
        ("/v1/kv/anything/at/all?recurse=", 404, ""),
    ] as [(String, Int, String)])
    func errorsAsConsulWordsThem(_ path: String, _ status: Int, _ text: String) async throws {
        try await LiveServer.with { server in
            try await ConsulListener.with(server) { consul in
                let reply = try await consul.get(path)
                #expect(reply.status == status, "\(path): \(reply.text)")
                #expect(text.isEmpty ? reply.text.isEmpty : reply.text.contains(text), "\(path): \(reply.text)")
                Self.expectConsulHeaders(reply)
                if status != 404 || !text.isEmpty { #expect(reply.headers["content-type"]?.hasPrefix("text/plain") == true) }
            }
        }
    }

    @Test func anotherMethodOnAServedPathIs405AndTheKnownDatacenterIsFine() async throws {
        try await LiveServer.with { server in
            try await ConsulListener.with(server) { consul in
                let put = try await consul.client.send("PUT", "/v1/catalog/services", body: Data("{}".utf8))
                #expect(put.status == 405)
                #expect(put.headers["allow"] == "GET")
                Self.expectConsulHeaders(put)
                #expect(try await consul.get("/v1/catalog/services?dc=berth&stale=&consistent=&near=_agent").status == 200)
                #expect(try await consul.get("/v1/catalog/services?wait=1h").status == 200, "a long wait is capped, not refused")
            }
        }
    }
}
