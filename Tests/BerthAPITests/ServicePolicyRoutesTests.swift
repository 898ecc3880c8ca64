import BerthCore
import BerthStore
import Foundation
import Testing

/// `ingress` and `loadBalancer.affinityTimeout` through the HTTP API: shown back with their
/// defaults, refused with a 400 naming the field and nothing written, and carried by the
/// targets document with the service's members.
@Suite struct ServicePolicyRoutesTests {
    static let db = #"{"template":{"image":"db:1","ports":[{"name":"pg","containerPort":5432}]},"ports":[{"port":5432,"targetPort":5432}],"loadBalancer":{"algorithm":"sourceHash"},"ingress":[{"from":[{"service":"api"},{"cidr":"203.0.113.0/24"}],"ports":[{"port":5432}]},{"from":[{"service":"not-created-yet"}]}]}"#

    @Test func rulesAndAffinityAreStoredAndShownWithDefaults() async throws {
        try await LiveServer.with { server in
            let created = try await server.client.put("/v1/services/db", Self.db)
            #expect(created.status == 201, "\(created.text)")
            for reply in [created, try await server.client.get("/v1/services/db")] {
                let service = json(reply)
                #expect(service["loadBalancer"] as? [String: String] == ["algorithm": "sourceHash", "affinityTimeout": "3h"])
                let ingress = try #require(service["ingress"] as? [[String: Any]])
                #expect(ingress.count == 2)
                #expect(ingress[0]["from"] as? [[String: String]] == [["service": "api"], ["cidr": "203.0.113.0/24"]])
                #expect((ingress[0]["ports"] as? [[String: Any]])?.first?["protocol"] as? String == "tcp")
                #expect((ingress[1]["ports"] as? [Any])?.isEmpty == true, "no ports: every port, shown as []")
            }
            let plain = json(try await server.client.put("/v1/services/web", #"{"template":{"image":"x"}}"#))
            #expect((plain["ingress"] as? [Any])?.isEmpty == true)
            #expect(plain["loadBalancer"] as? [String: String] == ["algorithm": "roundRobin", "affinityTimeout": "3h"])

            // The same spec again is no change; dropping the rules is one.
            let again = try await server.client.put("/v1/services/db", Self.db)
            #expect(json(again)["modifyIndex"] as? Int == json(created)["modifyIndex"] as? Int)
            let openSpec = #"{"template":{"image":"db:1","ports":[{"name":"pg","containerPort":5432}]},"ports":[{"port":5432,"targetPort":5432}],"loadBalancer":{"algorithm":"sourceHash"},"ingress":[]}"#
            let open = try await server.client.put("/v1/services/db", openSpec)
            #expect(open.status == 200, "\(open.text)")
            #expect((json(open)["ingress"] as? [Any])?.isEmpty == true)
        }
    }

    @Test(arguments: [
        (#""ingress":[{"from":[{"cidr":"10.0.0.1/8"}]}]"#, "ingress[0].from[0].cidr: \"10.0.0.1/8\": host bits are set"),
        (#""ingress":[{},{"from":[{"service":"api"},{"cidr":"10.0.0.0/33"}]}]"#, "ingress[1].from[1].cidr"),
        (#""ingress":[{"from":[{"service":"api","cidr":"10.0.0.0/8"}]}]"#, "ingress[0].from[0]: give exactly one of service"),
        (#""ingress":[{"from":[{"service":"API"}]}]"#, "ingress[0].from[0].service"),
        (#""ingress":[{"ports":[{"port":70000}]}]"#, "ingress[0].ports[0].port"),
        (#""ingress":[{"ports":[{"port":53,"protocol":"icmp"}]}]"#, "ingress[0].ports[0].protocol"),
        (#""loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"500ms"}"#, "loadBalancer.affinityTimeout: must be a duration from 1s to 24h"),
        (#""loadBalancer":{"algorithm":"sticky"}"#, "loadBalancer.algorithm: must be one of roundRobin, random, leastConn, sourceHash"),
    ])
    func badPolicyIs400NamingTheFieldAndWritesNothing(_ fields: String, _ fragment: String) async throws {
        try await LiveServer.with { server in
            let before = try await server.client.get("/v1/services")
            let reply = try await server.client.put("/v1/services/db", #"{"template":{"image":"x"},\#(fields)}"#)
            #expect(reply.status == 400)
            #expect(errorCode(reply) == "invalid_argument")
            #expect(errorMessage(reply).contains(fragment), "\"\(errorMessage(reply))\" lacks \(fragment)")
            #expect(try await server.client.get("/v1/services/db").status == 404)
            let after = try await server.client.get("/v1/services")
            #expect(after.index == before.index, "no write happened")
        }
    }

    @Test func anUpdateWithABadRuleKeepsTheStoredOne() async throws {
        try await LiveServer.with { server in
            let created = try await server.client.put("/v1/services/db", Self.db)
            let reply = try await server.client.put("/v1/services/db", Self.db.replacingOccurrences(of: "203.0.113.0/24", with: "203.0.113.1/24"))
            #expect(reply.status == 400)
            let stored = json(try await server.client.get("/v1/services/db"))
            #expect(stored["modifyIndex"] as? Int == json(created)["modifyIndex"] as? Int)
            #expect(((stored["ingress"] as? [[String: Any]])?.first?["from"] as? [[String: String]])?.last == ["cidr": "203.0.113.0/24"])
        }
    }

    @Test func targetsCarryRulesAffinityAndMembers() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            _ = try await c.put("/v1/services/db", Self.db)
            let empty = json(try await c.get("/v1/services/db/targets"))
            #expect(empty["members"] is NSNull, "no rule names db: its members are not listed")
            #expect((empty["ingress"] as? [Any])?.count == 2)
            #expect(empty["loadBalancer"] as? [String: String] == ["algorithm": "sourceHash", "affinityTimeout": "3h"])
            // backup's rules name db: db is a policy source.
            _ = try await c.put("/v1/services/backup", #"{"template":{"image":"b"},"ingress":[{"from":[{"service":"db"}]}]}"#)
            #expect((json(try await c.get("/v1/services/db/targets"))["members"] as? [Any])?.isEmpty == true)

            let id: String = try await server.store.write { tx in
                let service = try ServiceRepository.fetch(tx.db, "db")!
                var container = try ContainerRepository.create(tx, spec: ContainerSpec(template: service.spec.template))
                container.service = "db"
                return try ContainerRepository.update(tx, container).id
            }
            try await server.place(id, on: "n1")
            let index = try await c.get("/v1/services/db/targets").index ?? 0
            // Reported running and unhealthy: the blocked watcher wakes with the new member.
            async let woke = c.get("/v1/services/db/targets?index=\(index)&wait=10s")
            #expect(try await c.put("/v1/containers/\(id)/status", #"{"state":"running","healthy":false}"#).status == 200)
            let targets = json(try await woke)
            #expect((targets["targets"] as? [Any])?.isEmpty == true)
            #expect(targets["members"] as? [[String: String]] == [["container": id, "ip": "10.88.0.2", "node": "n1"]])
        }
    }
}
