import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Drift, restart and composition with `HostNetwork`, in real namespaces; and two nodes, where
/// a VIP reaches targets on the other node and policy is enforced on the destination node.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct ServiceProxyDriftTests {
    typealias R = ServiceRules
    typealias F = ServiceFixtures

    /// The handle of `chain`'s first rule, from `nft -j -a list chain`.
    static func firstRuleHandle(_ lab: ServiceLab, _ chain: String) throws -> Int {
        let output = try lab.lab.exec(lab.namespace(ofNode: 0), ["nft", "-j", "-a", "list", "chain", "ip", "berth-svc", chain])
        let document = try JSONDecoder().decode([String: [[String: JSONValue]]].self, from: output.stdout)
        let handle = document["nftables"]?.compactMap { $0["rule"]?["handle"]?.int }.first
        return try #require(handle, "no rule in \(chain)")
    }

    @Test func handEditsAreFoundByVerifyAndRepaired() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let c = try ServiceProxyLiveTests.fourContainers(lab)
            let proxy = lab.proxies[0], ns = lab.namespace(ofNode: 0), client = c["client"]!.namespace
            let input = ServiceProxyLiveTests.input([F.echo()])
            try proxy.update(input)
            #expect(try !proxy.verify().drifted)
            func works() -> Bool { lab.connect(from: client, to: ServiceProxyLiveTests.vip, port: 80, count: 3).allSatisfy { $0.result == .ok } }
            #expect(works())

            // The VIP dispatch rule deleted by hand: the VIP stops working until verify() restores it.
            try lab.lab.exec(ns, ["nft", "delete", "rule", "ip", "berth-svc", "svc-nat-pre", "handle", "\(try Self.firstRuleHandle(lab, "svc-nat-pre"))"])
            #expect(!works())
            let repair = try proxy.verify()
            #expect(repair.repair.commands.count == 2 && repair.repair.commands[0] == "flush chain ip berth-svc svc-nat-pre", "\(repair.repair.commands)")
            #expect(works())

            // An element deleted and a rule added by hand: one repair transaction for both.
            try lab.lab.exec(ns, ["nft", "delete element ip berth-svc svc-ep-1 { 198.19.128.10 . tcp . 80 }; add rule ip berth-svc svc-slot-0 drop"])
            let second = try proxy.verify()
            #expect(second.repair.commands.contains("add element ip berth-svc svc-ep-1 { 198.19.128.10 . tcp . 80 : 198.19.1.12 . 8080 }"))
            #expect(second.repair.commands.contains("flush chain ip berth-svc svc-slot-0"))
            #expect(try !proxy.verify().drifted)
            #expect(ServiceProbe.names(lab.connect(from: client, to: ServiceProxyLiveTests.vip, port: 80, count: 30)) == ["web": 10, "api": 10, "db": 10])
            #expect(proxy.statistics.driftRepairs == 2)
            print("LIVE verify with 1 service: read \(second.reading), total \(second.total)")

            // The kernel changed behind an incremental update's back: nft refuses the transaction,
            // and the update falls back to reading the table and repairing it whole.
            try lab.lab.exec(ns, ["nft", "flush chain ip berth-svc svc-slot-2; delete map ip berth-svc svc-ep-2"])
            let fallback = try proxy.update(ServiceProxyLiveTests.input([F.echo([F.web, F.db])]))
            #expect(fallback.fullResync)
            #expect(proxy.statistics.fullResyncs == 2)
            #expect(Set(ServiceProbe.names(lab.connect(from: client, to: ServiceProxyLiveTests.vip, port: 80, count: 30)).keys) == ["web", "db"])

            // A restarted agent adopts the table: its first update (a full resync) finds nothing to do.
            let restarted = ServiceProxy(namespace: ns)
            let adopt = try restarted.update(ServiceProxyLiveTests.input([F.echo([F.web, F.db])]))
            #expect(adopt.fullResync && adopt.transaction.isEmpty, "\(adopt.transaction.commands)")
        }
    }

    @Test func composesWithHostNetwork() throws {
        try ServiceLab.with(nodes: 1) { lab in
            _ = try ServiceProxyLiveTests.fourContainers(lab)
            let proxy = lab.proxies[0], network = lab.networks[0]
            try proxy.update(F.policyInput())
            // HostNetwork observes only its own part of the table (the proxy applies the service
            // part), so its sync neither sees nor deletes the service objects.
            let sync = try network.sync()
            #expect(!sync.actions.contains { if case .nftTransaction = $0 { true } else { false } }, "\(sync.actions)")
            let observed = try network.executor.observe()
            #expect(observed.firewall.map { $0.chains.keys.filter(R.owns) + $0.sets.keys.filter(R.owns) } == [])
            let node = NodeFirewall.table(node: lab.configs[0], containers: network.desired.containers)
            #expect(NFTDiff.transaction(desired: node, observed: observed.firewall).isEmpty)
            #expect(try proxy.verify().drifted == false, "the node's sync left the service part as it was")

            // Teardown removes the service objects and leaves the node's own.
            try proxy.teardown()
            // (The services' objects have a table of their own: it goes whole.)
            let after = try network.executor.readTable(R.tableName)
            #expect(after.map { $0.chains.keys.filter(R.owns) + $0.sets.keys.filter(R.owns) } ?? [] == [], "\(String(describing: after))")
            #expect(after == nil, "the services' table is gone")
            #expect(try network.executor.readTable(NodeFirewall.tableName)?.chains["nat-postrouting"] != nil)
        }
    }

    @Test func twoNodesVIPAcrossNodesAndPolicyAtTheDestination() throws {
        try ServiceLab.with(nodes: 2) { lab in
            // node1: web .11, api .12, echo target e1 .15; node2: db .13, echo target e2 .14.
            let web = try lab.container("web", host: 11, onNode: 0), api = try lab.container("api", host: 12, onNode: 0)
            try lab.container("e1", host: 15, onNode: 0)
            try lab.container("db", host: 13, onNode: 1, ports: [5432])
            try lab.container("e2", host: 14, onNode: 1)
            let (e1, e2, db) = (lab.address(15, onNode: 0), lab.address(14, onNode: 1), lab.address(13, onNode: 1))
            func services(echo targets: [IPv4Address]) -> [R.Service] {
                [R.Service(name: "echo", vip: F.ip("198.19.128.10"), ports: [R.Port(port: 80, targetPort: 8080, targetIPs: targets)], algorithm: .random),
                 R.Service(name: "db", vip: F.ip("198.19.128.20"), ports: [R.Port(port: 5432, targetPort: 5432, targetIPs: [db])],
                           ingress: [R.IngressRule(from: [.service("api")], ports: [R.PolicyPort(port: 5432)])], members: [db]),
                 R.Service(name: "api", vip: F.ip("198.19.128.30"), ports: [], members: [api.address]),
                 R.Service(name: "web", vip: F.ip("198.19.128.40"), ports: [], members: [web.address])]
            }
            let locals = [[R.LocalContainer(ip: web.address, service: "web"), R.LocalContainer(ip: api.address, service: "api"), R.LocalContainer(ip: e1, service: "echo")],
                          [R.LocalContainer(ip: db, service: "db"), R.LocalContainer(ip: e2, service: "echo")]]
            func update(echo targets: [IPv4Address]) throws {
                for i in 0..<2 { try lab.proxies[i].update(R.Input(services: services(echo: targets), localContainers: locals[i])) }
            }
            try update(echo: [e1, e2])
            #expect(Set(ServiceProbe.names(lab.connect(from: web.namespace, to: F.ip("198.19.128.10"), port: 80, count: 30)).keys) == ["e1", "e2"])
            try update(echo: [e2])
            #expect(lab.connect(from: lab.namespace(ofNode: 0), to: F.ip("198.19.128.10"), port: 80).first?.name == "e2", "the node reaches a VIP whose only target is on the other node")
            // db on node2 admits api from node1 and refuses web from node1, at once.
            #expect(lab.connect(from: api.namespace, to: F.ip("198.19.128.20"), port: 5432).first?.name == "db")
            let refused = lab.connect(from: web.namespace, to: F.ip("198.19.128.20"), port: 5432, count: 3)
            #expect(refused.count == 3 && refused.allSatisfy { $0.result == .refused && $0.milliseconds < 500 }, "\(refused)")
        }
    }
}
