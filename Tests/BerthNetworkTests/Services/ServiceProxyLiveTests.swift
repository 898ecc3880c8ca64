import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Service VIPs in real namespaces: one node with four containers on its bridge, the rules
/// applied by `ServiceProxy`, real TCP through the VIPs.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct ServiceProxyLiveTests {
    typealias R = ServiceRules
    typealias F = ServiceFixtures
    static let vip = F.ip("198.19.128.10")

    /// web, api, db and client at 198.19.1.11-14, each with a server on 8080 answering its name.
    static func fourContainers(_ lab: ServiceLab) throws -> [String: ContainerNetwork] {
        var containers: [String: ContainerNetwork] = [:]
        for (name, host) in [("web", 11), ("api", 12), ("db", 13), ("client", 14)] {
            containers[name] = try lab.container(name, host: UInt32(host), onNode: 0, ports: name == "db" ? [8080, 5432] : [8080])
        }
        return containers
    }

    static func input(_ services: [R.Service]) -> R.Input { R.Input(services: services, localContainers: F.localContainers) }

    @Test func vipSpreadsFollowsTargetsAndRejectsWhenEmpty() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let c = try Self.fourContainers(lab)
            let proxy = lab.proxies[0], node = lab.namespace(ofNode: 0), client = c["client"]!.namespace

            let first = try proxy.update(Self.input([F.echo()]))
            #expect(first.fullResync)
            // Round robin with one client and one three-target service is strictly cyclic.
            #expect(ServiceProbe.names(lab.connect(from: client, to: Self.vip, port: 80, count: 30)) == ["web": 10, "api": 10, "db": 10])
            #expect(lab.connect(from: node, to: Self.vip, port: 80, count: 3).allSatisfy { $0.result == .ok }, "the node itself reaches the VIP")

            let random = try proxy.update(Self.input([F.echo(algorithm: .random)]))
            #expect(!random.fullResync && random.transaction.commands.allSatisfy { $0.contains("svc-random-3") || $0.contains("svc-rr-3") || $0.contains("svc-ips") })
            #expect(Set(ServiceProbe.names(lab.connect(from: client, to: Self.vip, port: 80, count: 30)).keys) == ["web", "api", "db"])

            // A target removed gets no new connection.
            let removed = try proxy.update(Self.input([F.echo([F.web, F.api], algorithm: .random)]))
            #expect(!removed.fullResync)
            let after = ServiceProbe.names(lab.connect(from: client, to: Self.vip, port: 80, count: 20))
            #expect(after["db"] == nil && (after["web"] ?? 0) + (after["api"] ?? 0) == 20, "\(after)")

            // No target: refused at once, from a container and from the node, not a timeout.
            try proxy.update(Self.input([F.echo([])]))
            let resent = { try [client, node].map { try ServiceProbe.retransmitted(lab.lab, in: $0) } }
            let resentBefore = try resent()
            let refused = lab.connect(from: client, to: Self.vip, port: 80, count: 5) + lab.connect(from: node, to: Self.vip, port: 80, count: 5)
            #expect(refused.count == 10 && refused.allSatisfy { $0.result == .refused }, "\(refused)")
            // At once: every refusal answered the first SYN (none was sent again).
            #expect(try resent() == resentBefore, "a SYN to the VIP was sent again before its refusal")
            let slowest = refused.map(\.milliseconds).max() ?? .infinity
            print("LIVE no-target refusal: slowest of 10 took \(String(format: "%.2f", slowest)) ms")

            try proxy.update(Self.input([F.echo([F.db])]))
            #expect(ServiceProbe.names(lab.connect(from: client, to: Self.vip, port: 80, count: 3)) == ["db": 3])
            #expect(proxy.statistics == ServiceProxy.Statistics(updates: 5, incremental: 4, fullResyncs: 1, driftRepairs: 0, failures: 0))
        }
    }

    @Test func sourceHashKeepsEachClientOnOneTarget() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let c = try Self.fourContainers(lab)
            let proxy = lab.proxies[0]
            let sticky = R.Service(name: "sticky", vip: Self.vip, ports: [R.Port(port: 80, targetPort: 8080, targetIPs: [F.web, F.api, F.db])], algorithm: .sourceHash)
            try proxy.update(Self.input([sticky]))
            let fromClient = ServiceProbe.names(lab.connect(from: c["client"]!.namespace, to: Self.vip, port: 80, count: 20))
            #expect(fromClient.count == 1 && fromClient.values.first == 20, "\(fromClient)")
            let fromWeb = ServiceProbe.names(lab.connect(from: c["web"]!.namespace, to: Self.vip, port: 80, count: 20))
            #expect(fromWeb.count == 1 && fromWeb.values.first == 20, "\(fromWeb)")
            // The remembered clients are runtime state: verify() finds no drift in them.
            #expect(try !proxy.verify().drifted)

            // The client's target goes away: it moves to another one and stays there.
            let chosen = fromClient.keys.first!
            let rest = [("web", F.web), ("api", F.api), ("db", F.db)].filter { $0.0 != chosen }.map(\.1)
            var smaller = sticky
            smaller.ports[0] = R.Port(port: 80, targetPort: 8080, targetIPs: rest)
            try proxy.update(Self.input([smaller]))
            let moved = ServiceProbe.names(lab.connect(from: c["client"]!.namespace, to: Self.vip, port: 80, count: 20))
            #expect(moved.count == 1 && moved[chosen] == nil, "\(moved)")
        }
    }

    @Test func policyMatrix() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let c = try Self.fourContainers(lab)
            let proxy = lab.proxies[0], node = lab.namespace(ofNode: 0)
            let dbVIP = F.ip("198.19.128.20")
            try proxy.update(F.policyInput())
            func outcome(_ from: String, _ to: IPv4Address, _ port: Int, source: IPv4Address? = nil) -> ServiceProbe.Outcome.Result? {
                lab.connect(from: from, to: to, port: port, source: source).first?.result
            }
            // db admits api on 5432, directly and through its VIP; web and the unlabelled client are refused at once.
            #expect(outcome(c["api"]!.namespace, F.db, 5432) == .ok)
            #expect(outcome(c["api"]!.namespace, dbVIP, 5432) == .ok)
            #expect(outcome(c["api"]!.namespace, F.db, 8080) == .refused, "api is admitted on 5432 only")
            // Directly with a TCP reset (not rate-limited: 20 in a row), through the VIP with ICMP.
            let direct = lab.connect(from: c["web"]!.namespace, to: F.db, port: 5432, count: 20) + lab.connect(from: c["client"]!.namespace, to: F.db, port: 5432, count: 3)
            let viaVIP = lab.connect(from: c["web"]!.namespace, to: dbVIP, port: 5432, count: 3)
            #expect(direct.count == 23 && direct.allSatisfy { $0.result == .refused && $0.milliseconds < 500 }, "\(direct)")
            #expect(viaVIP.count == 3 && viaVIP.allSatisfy { $0.result == .refused && $0.milliseconds < 500 }, "\(viaVIP)")
            print("LIVE policy refusal: slowest direct \(String(format: "%.2f", direct.map(\.milliseconds).max() ?? 0)) ms, through the VIP \(String(format: "%.2f", viaVIP.map(\.milliseconds).max() ?? 0)) ms")

            // The node's own traffic (health checks) leaves through output, not forward: always
            // admitted, from the bridge address, from the underlay address, and through the VIP.
            #expect(outcome(node, F.db, 5432) == .ok)
            #expect(outcome(node, F.db, 5432, source: lab.lab.nodes[0].address) == .ok)
            #expect(outcome(node, F.db, 5432, source: lab.gateway(ofNode: 0)) == .ok)
            #expect(outcome(node, dbVIP, 5432) == .ok)
            // db itself is not limited going out, and the replies it gets pass.
            #expect(outcome(c["db"]!.namespace, F.web, 8080) == .ok)

            // A new api replica is admitted after one update.
            var api = F.apiService(members: [F.api, F.client])
            var input = F.policyInput(api: api)
            input.localContainers[3].service = "api"
            let start = ContinuousClock.now
            let admit = try proxy.update(input)
            #expect(outcome(c["client"]!.namespace, F.db, 5432) == .ok)
            print("LIVE new api member admitted \(ContinuousClock.now - start) after the update started (\(admit.transaction.commands.count) commands)")
            #expect(outcome(c["web"]!.namespace, F.db, 5432) == .refused)

            // The replica goes away: refused again.
            api.members = [F.api]
            try proxy.update(F.policyInput(api: api))
            #expect(outcome(c["client"]!.namespace, F.db, 5432) == .refused)

            // No rules: db is open to all.
            try proxy.update(F.policyInput(db: F.dbService(ingress: []), api: api))
            #expect(outcome(c["web"]!.namespace, F.db, 5432) == .ok)
            #expect(outcome(c["client"]!.namespace, dbVIP, 5432) == .ok)
        }
    }

    @Test func hairpinReachesItselfAlsoUnderPolicy() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let c = try Self.fourContainers(lab)
            let proxy = lab.proxies[0]
            // web's own VIP with web as the only target: it is picked and answers, seeing the
            // bridge address (masqueraded, since a packet from itself would be dropped).
            var web = F.webService()
            try proxy.update(F.policyInput())
            let webVIP = try #require(web.vip)
            let hairpin = lab.connect(from: c["web"]!.namespace, to: webVIP, port: 80).first
            #expect(hairpin?.name == "web" && hairpin?.peer == "\(lab.gateway(ofNode: 0))", "\(String(describing: hairpin))")

            web.ingress = [R.IngressRule(from: [.service("api")], ports: [])]
            try proxy.update(R.Input(services: [web, F.apiService(), F.dbService()], localContainers: F.localContainers))
            #expect(lab.connect(from: c["web"]!.namespace, to: webVIP, port: 80).first?.name == "web", "hairpin passes web's own policy")
            #expect(lab.connect(from: c["api"]!.namespace, to: webVIP, port: 80).first?.name == "web")
            #expect(lab.connect(from: c["client"]!.namespace, to: webVIP, port: 80).first?.result == .refused)
        }
    }
}
