import BerthCore
@testable import BerthNetwork
import BerthTesting
import Testing

/// The pure planner: what each kind of service and policy becomes in the table.
struct ServiceRulesTests {
    typealias R = ServiceRules
    typealias F = ServiceFixtures
    static let baseChains: Set<String> = ["svc-nat-pre", "svc-nat-out", "svc-nat-post", "svc-noep-pre", "svc-filter-fwd", "svc-noep-out", "svc-reject"]

    @Test func aSpreadServiceIsOnlyMapElements() throws {
        // Targets unsorted and one repeated: counted once, numbered by address.
        let service = F.echo([F.db, F.web, F.api, F.web])
        let table = try R.table(R.Input(services: [service]))
        try table.validate()
        #expect(F.elements(table, "svc-ips") == ["198.19.128.10 . tcp . 80 : goto svc-rr-3"])
        #expect(F.elements(table, "svc-ep-0") == ["198.19.128.10 . tcp . 80 : 198.19.1.11 . 8080"])
        #expect(F.elements(table, "svc-ep-1") == ["198.19.128.10 . tcp . 80 : 198.19.1.12 . 8080"])
        #expect(F.elements(table, "svc-ep-2") == ["198.19.128.10 . tcp . 80 : 198.19.1.13 . 8080"])
        #expect(Set(table.chains.keys) == Self.baseChains.union(["svc-rr-3", "svc-slot-0", "svc-slot-1", "svc-slot-2"]))
        #expect(F.rules(table, "svc-rr-3") == ["numgen inc mod 3 vmap { 0 : goto svc-slot-0, 1 : goto svc-slot-1, 2 : goto svc-slot-2 }"])
        #expect(F.rules(table, "svc-slot-1") == ["meta l4proto tcp dnat ip to ip daddr . meta l4proto . th dport map @svc-ep-1",
                                                 "meta l4proto udp dnat ip to ip daddr . meta l4proto . th dport map @svc-ep-1"])
        #expect(F.rules(table, "svc-nat-pre") == ["ip daddr . meta l4proto . th dport vmap @svc-ips"])
        #expect(F.elements(table, "svc-noep").isEmpty)
    }

    struct AlgorithmCase: Sendable, CustomTestStringConvertible {
        var algorithm: R.Algorithm
        var targets: Int
        var chain: String
        var rule: String
        var testDescription: String { "\(algorithm) with \(targets)" }
    }

    @Test(arguments: [
        AlgorithmCase(algorithm: .roundRobin, targets: 2, chain: "svc-rr-2", rule: "numgen inc mod 2 vmap { 0 : goto svc-slot-0, 1 : goto svc-slot-1 }"),
        AlgorithmCase(algorithm: .random, targets: 2, chain: "svc-random-2", rule: "numgen random mod 2 vmap { 0 : goto svc-slot-0, 1 : goto svc-slot-1 }"),
        AlgorithmCase(algorithm: .leastConn, targets: 2, chain: "svc-random-2", rule: "numgen random mod 2 vmap { 0 : goto svc-slot-0, 1 : goto svc-slot-1 }"),
        AlgorithmCase(algorithm: .roundRobin, targets: 1, chain: "svc-random-1", rule: "goto svc-slot-0"),
        AlgorithmCase(algorithm: .leastConn, targets: 1, chain: "svc-random-1", rule: "goto svc-slot-0"),
    ])
    func algorithmsPickTheirSpreadingChain(_ c: AlgorithmCase) throws {
        let table = try R.table(R.Input(services: [F.echo(Array([F.web, F.api].prefix(c.targets)), algorithm: c.algorithm)]))
        #expect(F.elements(table, "svc-ips") == ["198.19.128.10 . tcp . 80 : goto \(c.chain)"])
        #expect(F.rules(table, c.chain) == [c.rule])
    }

    @Test func noTargetsRejectsAndNothingDNATs() throws {
        let table = try R.table(R.Input(services: [F.echo([])]))
        #expect(F.elements(table, "svc-noep") == ["198.19.128.10 . tcp . 80 : goto svc-reject"])
        #expect(F.elements(table, "svc-ips").isEmpty)
        #expect(Set(table.chains.keys) == Self.baseChains)
        #expect(F.rules(table, "svc-reject") == ["meta l4proto tcp reject with tcp reset", "reject"])
        // Refused before the routing decision: prerouting (containers, other hosts) and output
        // (the node), never in forward, where the answer depended on the node's routes. In NAT
        // chains, before the VIP DNAT: the kernel runs them for a connection's first packet
        // only, so established flows' packets walk no chain for it.
        #expect(F.rules(table, "svc-noep-pre") == ["ct state new ip daddr . meta l4proto . th dport vmap @svc-noep"])
        #expect(F.rules(table, "svc-noep-out") == ["ct state new ip daddr . meta l4proto . th dport vmap @svc-noep"])
        #expect(!F.rules(table, "svc-filter-fwd").contains { $0.contains("@svc-noep") })
        #expect(table.chains["svc-noep-pre"]?.base == NFTBaseChain(.nat, hook: .prerouting, priority: -110))
        #expect(table.chains["svc-noep-out"]?.base == NFTBaseChain(.nat, hook: .output, priority: -110))
        // The only filter chains are forward's: nothing else every packet walks.
        #expect(table.chains.values.filter { $0.base?.kind == .filter }.map(\.name) == ["svc-filter-fwd"])
        #expect(table.chains["svc-filter-fwd"]?.base == NFTBaseChain(.filter, hook: .forward, priority: -110))
    }

    @Test func sourceHashHasAffinitySetsPerTarget() throws {
        let service = R.Service(name: "sticky", vip: F.ip("198.19.128.50"), ports: [R.Port(port: 443, targetPort: 8443, targetIPs: [F.api, F.web])],
                                algorithm: .sourceHash, affinityTimeout: .seconds(600))
        let table = try R.table(R.Input(services: [service]))
        try table.validate()
        let port = service.ports[0]
        let chain = R.Names.serviceChain("sticky", port)
        let (t0, t1) = (R.Target(ip: F.web, port: 8443), R.Target(ip: F.api, port: 8443))
        let (e0, e1) = (R.Names.targetChain("sticky", port, t0), R.Names.targetChain("sticky", port, t1))
        let (a0, a1) = (R.Names.affinitySet("sticky", port, t0), R.Names.affinitySet("sticky", port, t1))
        #expect(chain.count == 20 && e0.count == 29 && a0.hasPrefix("aff-"))
        #expect(F.elements(table, "svc-ips") == ["198.19.128.50 . tcp . 443 : goto \(chain)"])
        #expect(F.rules(table, chain) == ["ip saddr @\(a0) goto \(e0)", "ip saddr @\(a1) goto \(e1)",
                                          "numgen random mod 2 vmap { 0 : goto \(e0), 1 : goto \(e1) }"])
        #expect(F.rules(table, e0) == ["update @\(a0) { ip saddr timeout 600s }", "meta l4proto tcp dnat to 198.19.1.11:8443"])
        #expect(table.sets[a1]?.flags == [.timeout])
        #expect(table.sets.keys.filter { $0.hasPrefix("svc-ep-") }.isEmpty, "no slots: sourceHash has its own chains")
    }

    @Test func policyAdmitsListedSourcesOnListedPorts() throws {
        let db = F.dbService(ingress: [
            R.IngressRule(from: [.service("api"), .cidr(CIDR("203.0.113.0/24")!), .cidr(CIDR("198.18.5.0/24")!)], ports: [R.PolicyPort(port: 5432)]),
            R.IngressRule(from: [.service("web")], ports: [R.PolicyPort(port: 9187), R.PolicyPort(port: 53, proto: .udp)]),
        ])
        let table = try R.table(F.policyInput(db: db, api: F.apiService(members: [F.api, F.ip("198.19.2.12")])))
        try table.validate()
        let chain = R.Names.policyChain("db")
        #expect(F.elements(table, "pol-dests") == ["198.19.1.13 : goto \(chain)"], "only db's container is policed")
        #expect(F.elements(table, "svc-self").count == 4)
        #expect(F.elements(table, R.Names.sourceSet("api")) == ["198.19.1.12", "198.19.2.12"])
        #expect(F.elements(table, R.Names.sourceSet("web")) == ["198.19.1.11"])
        #expect(F.rules(table, chain) == [
            "ip saddr @\(R.Names.sourceSet("api")) tcp dport 5432 accept",
            "ip saddr { 198.18.5.0/24, 203.0.113.0/24 } tcp dport 5432 accept",
            "ip saddr @\(R.Names.sourceSet("web")) meta l4proto . th dport { tcp . 9187, udp . 53 } accept",
            "ct status dnat reject", "meta l4proto tcp reject with tcp reset", "reject",
        ])
        // The hairpin passes policy only DNATed here and come from the bridge (its real origin).
        #expect(F.rules(table, "svc-filter-fwd") == [
            "ct state established,related accept",
            "ct status dnat iifname \"berth0\" ip saddr . ip daddr @svc-self accept", "ip daddr vmap @pol-dests",
        ])
    }

    @Test func sourcesMayBeUnknownAnyOrAnyPort() throws {
        let db = F.dbService(ingress: [R.IngressRule(from: [.service("later")], ports: []), R.IngressRule(from: [], ports: [R.PolicyPort(port: 22)]),
                                       R.IngressRule(from: [.cidr(CIDR("0.0.0.0/0")!)], ports: [R.PolicyPort(port: 80)])])
        let table = try R.table(F.policyInput(db: db))
        #expect(table.sets[R.Names.sourceSet("later")]?.elements == [], "a service that does not exist yet admits nobody")
        #expect(F.rules(table, R.Names.policyChain("db")).prefix(3) == ["ip saddr @\(R.Names.sourceSet("later")) accept", "tcp dport 22 accept", "tcp dport 80 accept"])
    }

    @Test func removingTheRulesOpensTheService() throws {
        let closed = try R.table(F.policyInput())
        let open = try R.table(F.policyInput(db: F.dbService(ingress: [])))
        #expect(!F.elements(closed, "pol-dests").isEmpty)
        #expect(F.elements(open, "pol-dests").isEmpty)
        #expect(!open.chains.keys.contains { $0.hasPrefix("pol-") } && !open.sets.keys.contains { $0.hasPrefix("pol-src-") })
        let transaction = NFTDiff.transaction(desired: open, observed: NFTTable(observedFrom: closed))
        #expect(transaction.commands.contains("delete element ip berth-svc pol-dests { 198.19.1.13 }"))
        #expect(transaction.commands.contains("delete chain ip berth-svc \(R.Names.policyChain("db"))"))
    }

    @Test func policyWithoutALocalContainerAddsNothing() throws {
        let table = try R.table(R.Input(services: [F.webService(), F.apiService(), F.dbService()], localContainers: [R.LocalContainer(ip: F.web, service: "web")]))
        #expect(!table.chains.keys.contains { $0.hasPrefix("pol-") })
        #expect(!table.sets.keys.contains { $0.hasPrefix("pol-src-") })
        #expect(F.elements(table, "svc-self") == ["198.19.1.11 . 198.19.1.11"])
    }

    @Test func theSameInputInAnyOrderGivesTheSameTable() throws {
        var rng = SplitMix64(seed: 7)
        let input = F.policyInput()
        let reference = try R.table(input)
        for _ in 0..<10 {
            var shuffled = input
            shuffled.services.shuffle(using: &rng)
            shuffled.localContainers.shuffle(using: &rng)
            for i in shuffled.services.indices { shuffled.services[i].ports[0].targets.shuffle(using: &rng) }
            #expect(try R.table(shuffled) == reference)
        }
    }

    @Test func ownedNamesAreRecognised() throws {
        let table = try R.table(F.policyInput())
        #expect(table.chains.keys.allSatisfy(R.owns) && table.sets.keys.allSatisfy(R.owns))
        let node = NodeFirewall.table(node: PlannerFixtures.node(), containers: [])
        #expect(!node.chains.keys.contains(where: R.owns) && !node.sets.keys.contains(where: R.owns))
        var both = node
        for (name, chain) in table.chains { both.chains[name] = chain }
        #expect(R.withoutOwnedObjects(both) == node)
        #expect(R.ownedPart(of: both)?.chains.count == table.chains.count)
    }

    struct BadInput: Sendable, CustomTestStringConvertible {
        var name: String
        var input: R.Input
        var message: String
        var testDescription: String { name }
    }

    @Test(arguments: [
        BadInput(name: "two services with one name", input: R.Input(services: [F.echo(), F.echo()]), message: "services[1] (echo): another service has the same name"),
        BadInput(name: "a VIP port taken twice", input: R.Input(services: [F.echo(), { var s = F.webService(); s.vip = F.ip("198.19.128.10"); return s }()]),
                 message: "services[1] (web): 198.19.128.10 tcp/80 is already taken"),
        BadInput(name: "port 0", input: R.Input(services: [R.Service(name: "z", vip: F.ip("198.19.128.9"), ports: [R.Port(port: 0, targetPort: 1, targetIPs: [])])]),
                 message: "services[0] (z): port 0"),
        BadInput(name: "affinity timeout too long", input: R.Input(services: [{ var s = F.echo(algorithm: .sourceHash); s.affinityTimeout = .seconds(86401); return s }()]),
                 message: "services[0] (echo): affinityTimeout must be 1 s to 86400 s, got 86401.0 seconds"),
        BadInput(name: "a container twice", input: R.Input(localContainers: [R.LocalContainer(ip: F.web, service: nil), R.LocalContainer(ip: F.web, service: "web")]),
                 message: "localContainers: 198.19.1.11 appears twice"),
    ])
    func badInputIsRefusedNamingTheField(_ c: BadInput) {
        #expect(throws: ServiceRulesError.invalid(c.message)) { try R.table(c.input) }
    }
}
