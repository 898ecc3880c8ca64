import BerthClient
import BerthTesting
import Foundation
import Testing

/// `berth service create/update --allow-from …`, `--lb sourceHash --affinity-timeout`, and
/// `berth service inspect` showing the rules, against a real `berth serve`.
@Suite(.heavy, .serialized) struct CLIPolicyTests {
    typealias Cluster = CLITests.Cluster

    static func ingress(_ cluster: Cluster, _ service: String) async throws -> [[String: Any]] {
        try #require(try await cluster.json("/v1/services/\(service)")["ingress"] as? [[String: Any]])
    }

    /// A rule as `from` (each source's one key and value) and `ports` (`PORT/PROTO`), for comparing.
    static func shape(_ rule: [String: Any]) -> String {
        let from = (rule["from"] as? [[String: String]] ?? []).map { $0.map { "\($0.key)=\($0.value)" }.joined() }
        let ports = (rule["ports"] as? [[String: Any]] ?? []).map { "\($0["port"] as? Int ?? 0)/\($0["protocol"] as? String ?? "?")" }
        return "[\(from.joined(separator: ","))] -> [\(ports.joined(separator: ","))]"
    }

    @Test func createStoresRulesAndAffinityAndInspectShowsThem() async throws {
        let cluster = try await Cluster.start()
        let create = try await cluster.berth([
            "service", "create", "db", "--image", "postgres:16", "--port", "5432:5432",
            "--allow-from", "api:5432", "--allow-from", "10.0.0.0/8:5432/tcp", "--allow-from", "*:53/udp",
            "--allow-from", "203.0.113.7", "--allow-from", "backup",
            "--lb", "sourceHash", "--affinity-timeout", "30m",
        ])
        #expect(create.status == 0, "stderr: \(create.stderr)")
        let rules = try await Self.ingress(cluster, "db").map(Self.shape)
        #expect(rules == [
            "[service=api] -> [5432/tcp]", "[cidr=10.0.0.0/8] -> [5432/tcp]", "[] -> [53/udp]",
            "[cidr=203.0.113.7/32] -> []", "[service=backup] -> []",
        ])
        let db = try await cluster.json("/v1/services/db")
        #expect(db["loadBalancer"] as? [String: String] == ["algorithm": "sourceHash", "affinityTimeout": "30m"])

        let inspect = try await cluster.berth("service", "inspect", "db")
        #expect(inspect.status == 0, "stderr: \(inspect.stderr)")
        let shown = try CLITests.parse(inspect.stdout)
        #expect((shown["ingress"] as? [[String: Any]])?.map(Self.shape) == rules)
        #expect((shown["loadBalancer"] as? [String: String])?["affinityTimeout"] == "30m")

        let open = try await cluster.berth("service", "create", "web", "--image", "web:1", "--lb", "random")
        #expect(open.status == 0, "stderr: \(open.stderr)")
        #expect(try await Self.ingress(cluster, "web").isEmpty, "no --allow-from: open to all")
        await cluster.stop()
    }

    @Test func updateAddsRemovesAndClearsRules() async throws {
        let cluster = try await Cluster.start()
        #expect(try await cluster.berth("service", "create", "db", "--image", "db:1", "--allow-from", "api:5432").status == 0)

        let add = try await cluster.berth("service", "update", "db", "--allow-from-add", "web:5432", "--allow-from-add", "api:5432")
        #expect(add.status == 0, "stderr: \(add.stderr)")
        #expect(try await Self.ingress(cluster, "db").map(Self.shape) == ["[service=api] -> [5432/tcp]", "[service=web] -> [5432/tcp]"],
                "adding a rule it has already keeps one")

        let rm = try await cluster.berth("service", "update", "db", "--allow-from-rm", "api:5432")
        #expect(rm.status == 0, "stderr: \(rm.stderr)")
        #expect(try await Self.ingress(cluster, "db").map(Self.shape) == ["[service=web] -> [5432/tcp]"])

        let before = try await cluster.json("/v1/services/db")["modifyIndex"] as? Int
        CLITests.expectOneLineFailure(
            try await cluster.berth("service", "update", "db", "--allow-from-rm", "web:5433"),
            containing: "--allow-from-rm web:5433: the service has no such rule (it has: web:5432/tcp)"
        )
        #expect(try await cluster.json("/v1/services/db")["modifyIndex"] as? Int == before, "nothing written")

        let replace = try await cluster.berth("service", "update", "db", "--allow-from-clear", "--allow-from-add", "10.0.0.0/8")
        #expect(replace.status == 0, "stderr: \(replace.stderr)")
        #expect(try await Self.ingress(cluster, "db").map(Self.shape) == ["[cidr=10.0.0.0/8] -> []"])

        let clear = try await cluster.berth("service", "update", "db", "--allow-from-clear")
        #expect(clear.status == 0, "stderr: \(clear.stderr)")
        #expect(try await Self.ingress(cluster, "db").isEmpty)

        let sticky = try await cluster.berth("service", "update", "db", "--lb", "sourceHash", "--affinity-timeout", "10s")
        #expect(sticky.status == 0, "stderr: \(sticky.stderr)")
        #expect(try await cluster.json("/v1/services/db")["loadBalancer"] as? [String: String] == ["algorithm": "sourceHash", "affinityTimeout": "10s"])
        let timeoutOnly = try await cluster.berth("service", "update", "db", "--affinity-timeout", "1m")
        #expect(timeoutOnly.status == 0, "the stored algorithm is sourceHash; stderr: \(timeoutOnly.stderr)")
        CLITests.expectOneLineFailure(
            try await cluster.berth("service", "update", "db", "--lb", "leastConn", "--affinity-timeout", "5m"),
            containing: "--affinity-timeout applies to --lb sourceHash only"
        )
        #expect(try await cluster.json("/v1/services/db")["loadBalancer"] as? [String: String] == ["algorithm": "sourceHash", "affinityTimeout": "1m"])
        await cluster.stop()
    }

    @Test func badRulesFailInOneLineNamingTheFlagOrField() async throws {
        let cluster = try await Cluster.start()
        let cases: [([String], String)] = [
            (["--allow-from", "10.0.0.1/8:5432"], #"--allow-from "10.0.0.1/8": host bits are set (the network is 10.0.0.0/8)"#),
            (["--allow-from", "10.0.0.0/40"], "prefix length"),
            (["--allow-from", "api:http"], "expected SOURCE[:PORT[/tcp|udp]]"),
            (["--allow-from", "api:80/sctp"], "the protocol must be tcp or udp"),
            (["--allow-from", ":80"], "expected a service name"),
            (["--allow-from", "API:80"], "ingress[0].from[0].service"),
            (["--allow-from", "api:80", "--allow-from", "api:70000"], "ingress[1].ports[0].port: must be between 1 and 65535"),
            (["--lb", "sticky"], "--lb \"sticky\": must be one of roundRobin, random, leastConn, sourceHash"),
            (["--lb", "sourceHash", "--affinity-timeout", "500ms"], "loadBalancer.affinityTimeout: must be a duration from 1s to 24h"),
            (["--affinity-timeout", "1h"], "--affinity-timeout applies to --lb sourceHash only"),
        ]
        for (flags, message) in cases {
            CLITests.expectOneLineFailure(try await cluster.berth(["service", "create", "bad", "--image", "x"] + flags), containing: message)
        }
        #expect(try await cluster.client.get("/v1/services/bad").status == 404, "nothing was created")
        await cluster.stop()
    }
}
