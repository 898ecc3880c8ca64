import BerthCore
@testable import BerthNetwork
import Testing

/// Isolation without a kernel: the bridge's anti-spoofing set, what containers may reach on
/// nodes under each setting, and the flag's parsing.
struct NodeIsolationTests {
    typealias F = PlannerFixtures

    @Test func eachContainerPortIsTiedToItsMACAndAddress() throws {
        let containers = [F.container(1), F.container(2)]
        let table = try #require(NodeFirewall.bridgeTable(node: F.node(), containers: containers))
        #expect(table.qualifiedName == "bridge berth")
        #expect(table.sets[NodeFirewall.containerPortSet]?.elements == Set(containers.map {
            NFTElement([.interface($0.hostLinkName), .mac($0.mac), .address($0.address)])
        }))
        // CNI's layout: 0a:58 and the address (198.19.1.11).
        #expect(F.container(1).mac.description == "0a:58:c6:13:01:0b")
        let rules = try #require(table.chains["port-in"]).rules.compactMap(\.text)
        #expect(rules.count == 3 && rules.allSatisfy { $0.hasPrefix("iifname \"bv*\" ") })
        #expect(rules.last == "iifname \"bv*\" drop", "anything a container's port sends that no rule accepts")
        try table.validate()
    }

    struct Access: Sendable, CustomTestStringConvertible {
        var access: NodeAccess
        var rules: [String]
        var testDescription: String { "\(access.allowed) metadata \(access.metadata)" }
    }

    static let dns = ["ip daddr 198.19.1.1 udp dport 53 accept", "ip daddr 198.19.1.1 tcp dport 53 accept"]
    static let refuse = ["meta l4proto tcp reject with tcp reset", "reject"]

    @Test(arguments: [
        Access(access: NodeAccess(), rules: ["ct state established,related accept",
                                             "ip daddr 169.254.0.0/16 meta l4proto tcp reject with tcp reset", "ip daddr 169.254.0.0/16 reject"] + dns + refuse),
        Access(access: NodeAccess(allowed: [NodePort(.udp, 123), NodePort(.tcp, 9100), NodePort(.tcp, 9100)], metadata: true),
               rules: ["ct state established,related accept", "ip daddr 169.254.0.0/16 accept"] + dns
                   + ["meta l4proto . th dport { tcp . 9100, udp . 123 } accept"] + refuse),
    ])
    func whatContainersMayReachOnNodes(_ access: Access) throws {
        var node = F.node()
        node.nodeAccess = access.access
        let table = NodeFirewall.table(node: node, containers: [])
        #expect(table.chains["to-node"]?.rules.compactMap(\.text) == access.rules)
        let input = try #require(table.chains["filter-input"])
        #expect(input.base == NFTBaseChain(.filter, hook: .input, priority: 0) && input.rules.first?.text == "iifname \"berth0\" goto to-node")
        try table.validate()
    }

    @Test func theFlagParses() throws {
        #expect(try NodePort.list("tcp/9100, udp/123,") == [NodePort(.tcp, 9100), NodePort(.udp, 123)])
        #expect(try NodePort.list("") == [])
        for bad in ["tcp/0", "icmp/1", "tcp", "tcp/70000", "/80"] {
            #expect(throws: HostNetworkError.self, "\(bad)") { try NodePort.list(bad) }
        }
    }

    /// A node whose br_netfilter setting does not exist is an error, never taken as on.
    @Test func aMissingBridgeNetfilterSettingIsAnError() throws {
        var observed = F.bareNode()
        observed.bridgeNetfilter = nil
        #expect(throws: HostNetworkError.bridgeNetfilterMissing) {
            try HostNetworkPlanner.plan(desired: HostNetworkDesired(node: F.node()), observed: observed)
        }
    }

    /// The service ranges are routed through the bridge from the underlay address, and the
    /// route is Berth's: kept by the next plan, removed by teardown.
    @Test func serviceRangesAreRoutedThroughTheBridge() throws {
        var node = F.node()
        node.serviceCIDRs = [CIDR("198.19.128.0/20")!]
        let desired = HostNetworkDesired(node: node, peers: [F.peer(2)])
        let kernel = try F.converge(desired, from: F.bareNode())
        let route = try #require(kernel.observed.ownedRoutes.first { $0.destination == node.serviceCIDRs[0] })
        #expect(route.device == "berth0" && route.gateway == nil)
        #expect(try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed).isEmpty)
        // The peer fast path neither adds nor removes it.
        let changes = try HostNetworkPlanner.peerChanges(from: [F.peer(2)], to: [F.peer(2), F.peer(3)], node: node)
        #expect(!changes.contains { if case .deleteRoute(let r) = $0 { r.destination == node.serviceCIDRs[0] } else { false } })
    }
}
