import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct ServiceRoutesTests {
    static let web = #"{"replicas":3,"template":{"image":"web:1","command":["serve"],"resources":{"cpu":250,"memory":128},"ports":[{"name":"http","containerPort":8080}]},"constraints":["node.labels.zone==a"],"placement":{"strategy":"spread","spreadBy":["node.labels.zone"],"maxPerNode":1},"ports":[{"port":80,"targetPort":8080}],"loadBalancer":{"algorithm":"roundRobin"}}"#

    @Test func createFillsDefaultsAndLeasesAVIP() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/services/web", Self.web)
            #expect(reply.status == 201)
            let service = json(reply)
            #expect(service["vip"] as? String == "10.96.0.1")
            #expect(service["mode"] as? String == "replicated")
            #expect(service["endpointMode"] as? String == "vip")
            #expect(service["runningReplicas"] as? Int == 0)
            #expect(service["constraints"] as? [String] == ["node.labels.zone==a"])
            let template = service["template"] as? [String: Any]
            #expect(template?["restartPolicy"] as? String == "always")
            #expect((service["update"] as? [String: Any])?["order"] as? String == "stop-first")
            let second = try await server.client.put("/v1/services/api", #"{"template":{"image":"api:1"}}"#)
            #expect(json(second)["vip"] as? String == "10.96.0.2")
            #expect(json(second)["replicas"] as? Int == 1)

            let updated = try await server.client.put("/v1/services/web", Self.web.replacingOccurrences(of: #""replicas":3"#, with: #""replicas":5"#))
            #expect(updated.status == 200)
            #expect(json(updated)["vip"] as? String == "10.96.0.1", "an update keeps the VIP")
            #expect(json(updated)["replicas"] as? Int == 5)
            #expect((json(try await server.client.get("/v1/services"))["items"] as? [Any])?.count == 2)
        }
    }

    @Test(arguments: [
        (#"{"template":{"image":"x"},"constraints":["node.labels.zone = a"]}"#, #"constraints[0]: invalid constraint "node.labels.zone = a""#),
        (#"{"template":{"image":"x"},"constraints":["node.color==red"]}"#, "unknown attribute"),
        (#"{"template":{"image":"x"},"replicas":-1}"#, "replicas"),
        (#"{"template":{"image":"x"},"replicas":100001}"#, "replicas"),
        (#"{"template":{}}"#, "template.image"),
        (#"{"template":{"image":"x","ports":[{"name":"http","containerPort":70000}]}}"#, "template.ports[0].containerPort"),
        (#"{"template":{"image":"x"},"mode":"daemon"}"#, "mode"),
        (#"{"template":{"image":"x"},"placement":{"strategy":"random"}}"#, "placement.strategy"),
        (#"{"template":{"image":"x"},"placement":{"spreadBy":["zone"]}}"#, "placement.spreadBy[0]"),
        (#"{"template":{"image":"x"},"placement":{"preferences":[{"constraint":"node.labels.disk==ssd","weight":0}]}}"#, "placement.preferences[0].weight"),
        (#"{"template":{"image":"x"},"loadBalancer":{"algorithm":"weighted"}}"#, "loadBalancer.algorithm"),
        (#"{"template":{"image":"x"},"update":{"delay":"soon"}}"#, "update.delay"),
        (#"{"template":{"image":"x","healthCheck":{"http":"/h"}}}"#, "template.healthCheck"),
        (#"{"template":{"image":"x"},"replica":3}"#, "replica"),
        (#"{"template":{"image":"x"},"endpointMode":"rr"}"#, "endpointMode"),
    ])
    func badServicesAre400(body: String, fragment: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.put("/v1/services/web", body)
            #expect(reply.status == 400)
            #expect(errorMessage(reply).contains(fragment), "\"\(errorMessage(reply))\" lacks \(fragment)")
            #expect(try await server.client.get("/v1/services/web").status == 404)
            #expect((json(try await server.client.get("/v1/leases?network=services"))["items"] as? [Any])?.isEmpty == true)
        }
    }

    @Test func endpointModeIsKeptAndChangeable() async throws {
        try await LiveServer.with { server in
            let dnsrr = try await server.client.put("/v1/services/db", #"{"template":{"image":"pg:16"},"endpointMode":"dnsrr"}"#)
            #expect(dnsrr.status == 201)
            #expect(json(dnsrr)["endpointMode"] as? String == "dnsrr")
            #expect(json(dnsrr)["vip"] as? String == "10.96.0.1", "a dnsrr service keeps its VIP")
            #expect(json(try await server.client.get("/v1/services/db"))["endpointMode"] as? String == "dnsrr")
            let back = try await server.client.put("/v1/services/db", #"{"template":{"image":"pg:16"},"endpointMode":"vip"}"#)
            #expect(back.status == 200 && json(back)["endpointMode"] as? String == "vip")
        }
    }

    @Test func deleteReleasesTheVIP() async throws {
        try await LiveServer.with { server in
            _ = try await server.client.put("/v1/services/web", Self.web)
            let deleted = try await server.client.delete("/v1/services/web")
            #expect(deleted.status == 200)
            #expect(try await server.client.get("/v1/services/web").status == 404)
            #expect(try await server.client.get("/v1/services/web/targets").status == 404)
            #expect((json(try await server.client.get("/v1/leases?owner=web"))["items"] as? [Any])?.isEmpty == true)
            #expect(try await server.client.delete("/v1/services/web").status == 404)
        }
    }

    @Test func targetsListRunningHealthyContainers() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            _ = try await c.put("/v1/services/web", Self.web)
            let empty = try await c.get("/v1/services/web/targets")
            #expect(empty.status == 200)
            #expect((json(empty)["targets"] as? [Any])?.isEmpty == true)
            #expect(json(empty)["healthy"] as? Int == 0)
            #expect(json(empty)["vip"] as? String == "10.96.0.1")

            // A replica as the service controller will make it, placed and reported running.
            let id: String = try await server.store.write { tx in
                let service = try ServiceRepository.fetch(tx.db, "web")!
                var container = try ContainerRepository.create(tx, spec: ContainerSpec(template: service.spec.template))
                container.service = "web"
                return try ContainerRepository.update(tx, container).id
            }
            try await server.place(id, on: "n1")
            let running = try await c.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":true,"hostPorts":{"http":31001}}"#)
            #expect(running.status == 200)
            let targets = try await c.get("/v1/services/web/targets")
            let list = json(targets)["targets"] as? [[String: Any]]
            #expect(list?.count == 1)
            #expect(list?.first?["hostPort"] as? Int == 31001)
            #expect(list?.first?["hostAddress"] as? String == "192.0.2.10")
            #expect(list?.first?["port"] as? Int == 8080)
            #expect(list?.first?["ip"] as? String == "10.88.0.2")
            #expect((json(try await c.get("/v1/services/web"))["runningReplicas"] as? Int) == 1)

            _ = try await c.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":false}"#)
            #expect((json(try await c.get("/v1/services/web/targets"))["targets"] as? [Any])?.isEmpty == true, "unhealthy is no target")
        }
    }
}
