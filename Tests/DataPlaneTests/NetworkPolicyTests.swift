import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// Network policy end to end (issue 12): `db` admits only `api` on 5432, enforced by db's node
/// before traffic reaches the container, with api's members kept current from the targets feed;
/// replies and db's own node's health checks always pass.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"))
struct NetworkPolicyTests {
    /// A CGI health check that counts its calls in the container's /tmp/probes, so the test sees
    /// the node's checks arrive while the policy is on (not just a health flag that has not
    /// flipped yet).
    static let countingHealthz = #"""
        mkdir -p /tmp/www/cgi-bin
        printf '#!/bin/sh\necho probe >> /tmp/probes\nprintf "Content-Type: text/plain\\r\\n\\r\\nok\\n"\n' > /tmp/www/cgi-bin/healthz
        chmod +x /tmp/www/cgi-bin/healthz
        """#
    static let dbPort = 5432

    @Test func dbAdmitsOnlyAPIAndOpensWhenTheRuleGoes() async throws {
        try await LabCluster.with(nodes: 3) { cluster in
            let (n1, n2, n3) = (cluster.lab.nodes[0], cluster.lab.nodes[1], cluster.lab.nodes[2])
            let onlyAPI = [IngressRule(from: [.service("api")], ports: [IngressRule.Port(port: Self.dbPort)])]
            var dbSpec = try LabCluster.webService(
                replicas: 1, on: [n1], port: Self.dbPort, servicePort: Self.dbPort,
                healthCheck: HealthCheck(http: "/cgi-bin/healthz", interval: .milliseconds(200), timeout: .milliseconds(500)),
                ingress: onlyAPI, before: Self.countingHealthz
            )
            let db = try #require(try await cluster.deploy("db", dbSpec).first)
            let api = try #require(try await cluster.deploy("api", try LabCluster.webService(replicas: 1, on: [n2, n3])).first)
            let web = try #require(try await cluster.deploy("web", try LabCluster.webService(replicas: 1, on: [n3])).first)
            let (vip, dbIP, apiIP) = (try await cluster.vip(of: "db"), try #require(db.ip), try #require(api.ip))
            let (fromAPI, fromWeb) = (cluster.namespace(api), cluster.namespace(web))
            func connect(_ from: String, _ address: String, count: Int = 5) async throws -> [HTTPBatch.Outcome] {
                try await HTTPBatch.get(cluster.lab, from: from, address, port: Self.dbPort, count: count)
            }

            // api reaches db, through the VIP and at its address; web is refused (a reset, at
            // once), both ways; web itself is fine (it reaches api, which has no rules).
            _ = try await HTTPBatch.until("api reaches db through its VIP", cluster.lab, from: fromAPI, vip, port: Self.dbPort, timeout: .seconds(20)) { batch in
                batch.allSatisfy { $0.body == db.id }
            }
            _ = try await HTTPBatch.until("web is refused by db", cluster.lab, from: fromWeb, vip, port: Self.dbPort, timeout: .seconds(60)) { batch in
                batch.allSatisfy { $0.result == .refused }
            }
            for address in [vip, dbIP] {
                let allowed = try await connect(fromAPI, address)
                #expect(allowed.count == 5 && allowed.allSatisfy { $0.body == db.id }, "api → db at \(address): \(allowed)")
                let denied = try await connect(fromWeb, address)
                #expect(denied.count == 5 && denied.allSatisfy { $0.result == .refused }, "web → db at \(address): \(denied)")
                print("measured, policy: web → db at \(address) refused in at most \(denied.map(\.milliseconds).max() ?? -1) ms")
            }
            #expect(await cluster.http(from: fromWeb, apiIP) == api.id, "web's own network works")

            // Replies to db pass its node's policy: db opens a connection to api and gets the answer.
            #expect(await cluster.http(from: cluster.namespace(db), apiIP) == api.id, "db → api, and the reply back in")

            // The node's health checks pass the policy: they keep arriving and db stays healthy.
            let probes = "/proc/\(try cluster.process(of: db))/root/tmp/probes"
            func probeCount() -> Int { ((try? String(contentsOfFile: probes, encoding: .utf8)) ?? "").split(separator: "\n").count }
            let before = probeCount()
            try await eventually("five more health checks reach db while its policy is on", timeout: .seconds(60)) { probeCount() >= before + 5 }
            #expect(try await cluster.client.container(db.id).value.healthy == true)
            #expect(try await cluster.targets(of: "db").targets.map(\.container) == [db.id], "db stays a target")

            // A new api replica (on the other of n2 and n3) is admitted as soon as it runs.
            try await cluster.scale("api", to: 2)
            var added: Container?
            try await eventually("a second api replica runs", poll: .milliseconds(10)) {
                added = try await cluster.runningContainers(service: "api").first { $0.id != api.id }
                return added != nil
            }
            let running = Date()
            let second = try #require(added)
            let admitted = try await HTTPBatch.until("the new api replica \(second.id) reaches db", cluster.lab, from: cluster.namespace(second), vip, port: Self.dbPort, size: 1) { batch in
                batch.allSatisfy { $0.body == db.id }
            }
            let firstOK = try #require(admitted.last)
            print("measured, policy: new api replica on \(second.node ?? "?") running → admitted by db \(String(format: "%.0f", firstOK.at.timeIntervalSince(running) * 1000)) ms (\(admitted.count) tries: \(HTTPBatch.counts(admitted)))")
            let denied = try await connect(fromWeb, vip)
            #expect(denied.count == 5 && denied.allSatisfy { $0.result == .refused }, "web is still refused: \(denied)")

            // The rule removed: db is open to all.
            dbSpec.ingress = []
            let removed = Date()
            try await cluster.service("db", dbSpec)
            let opened = try await HTTPBatch.until("db admits web once its rule is removed", cluster.lab, from: fromWeb, vip, port: Self.dbPort, size: 1) { batch in
                batch.allSatisfy { $0.body == db.id }
            }
            print("measured, policy: rule removed → web admitted \(String(format: "%.0f", (opened.last?.at ?? removed).timeIntervalSince(removed) * 1000)) ms")
            let open = try await connect(fromWeb, dbIP)
            #expect(open.count == 5 && open.allSatisfy { $0.body == db.id }, "web → db at its address: \(open)")
            #expect(try await cluster.client.container(db.id).value.healthy == true)
        }
    }
}
