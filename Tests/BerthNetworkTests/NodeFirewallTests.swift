import BerthCore
@testable import BerthNetwork
import Testing

/// The node's own rules in `ip berth`, without a kernel: what each backend gets.
struct NodeFirewallTests {
    typealias F = PlannerFixtures

    @Test func vxlanUnderlayPacketsAreNotTracked() throws {
        let table = NodeFirewall.table(node: F.node(.vxlan(vni: 7, port: 4789)), containers: [])
        let pre = try #require(table.chains["raw-prerouting"])
        let out = try #require(table.chains["raw-output"])
        // Before conntrack (-200), so the outer UDP never gets an entry.
        #expect(pre.base == NFTBaseChain(.filter, hook: .prerouting, priority: -300))
        #expect(out.base == NFTBaseChain(.filter, hook: .output, priority: -300))
        // Only this node's own encapsulated traffic, at the configured port.
        // VXLAN from anyone but a peer node is dropped first (isolation), then untracked.
        #expect(pre.rules.map(\.text) == ["udp dport 4789 ip saddr != @peer-nodes drop", "ip daddr 198.18.0.11 udp dport 4789 notrack"])
        #expect(out.rules.map(\.text) == ["ip saddr 198.18.0.11 udp dport 4789 notrack"])
        try table.validate()
    }

    @Test func hostGWTracksEverything() {
        let table = NodeFirewall.table(node: F.node(.hostGW), containers: [])
        #expect(!table.chains.values.contains { $0.rules.contains { $0.text?.contains("notrack") == true } })
        #expect(table.chains["raw-prerouting"] == nil && table.chains["raw-output"] == nil)
    }

    /// Switching a node's backend adds or removes the chains in one transaction, and the model
    /// kernel then shows no drift.
    @Test(arguments: [(Backend.hostGW, Backend.vxlan(vni: 7)), (Backend.vxlan(vni: 7), Backend.hostGW)])
    func backendSwitchConverges(from: Backend, to: Backend) throws {
        var kernel = try F.converge(HostNetworkDesired(node: F.node(from), peers: [F.peer(2)]), from: F.bareNode())
        let desired = HostNetworkDesired(node: F.node(to), peers: [F.peer(2)])
        try kernel.apply(try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed))
        #expect(try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed).isEmpty)
        let hasRaw = kernel.observed.firewall?.chains["raw-output"] != nil
        #expect(hasRaw == (to != .hostGW))
    }

    /// The forward filter: policy drop, replies first, what containers send, what was DNATed
    /// here, then the backend's peers. A node holding an older `filter-forward` (accept-only,
    /// policy accept) gets it replaced, with nothing else changed.
    @Test func theForwardFilterDropsWhatIsNotTheClustersAndReplacesTheOldOne() throws {
        let desired = HostNetworkDesired(node: F.node(.vxlan(vni: 7)), peers: [F.peer(2)])
        let table = NodeFirewall.table(node: desired.node, containers: [], peers: desired.peers)
        let forward = try #require(table.chains["filter-forward"])
        #expect(forward.base == NFTBaseChain(.filter, hook: .forward, priority: 0, policy: .drop))
        #expect(forward.rules.first?.text == "ct state established,related accept")
        #expect(forward.rules.suffix(2).map(\.text) == ["iifname \"berthvx7\" ip saddr @cluster-nets ip saddr != 198.19.1.0/24 accept",
                                                       "iifname \"berthvx7\" ip saddr @peer-nodes accept"])
        #expect(table.sets["peer-nodes"]?.elements == [NFTElement(.address(F.peer(2).underlayAddress))])
        var old = try F.converge(desired, from: F.bareNode()).observed
        old.firewall!.chains["filter-forward"] = NFTChain(name: "filter-forward", base: NFTBaseChain(.filter, hook: .forward, priority: 0),
                                                          rules: [NFTRule("ip saddr @cluster-nets accept"), NFTRule("ip daddr @cluster-nets accept")])
        var kernel = HostKernelModel(observed: old)
        let plan = try HostNetworkPlanner.plan(desired: desired, observed: old)
        guard case .nftTransaction(let t) = try #require(plan.first), plan.count == 1 else { Issue.record("\(plan)"); return }
        #expect(t.commands.first == "flush chain ip berth filter-forward")
        #expect(t.commands.contains("add chain ip berth filter-forward { type filter hook forward priority 0; policy drop; }"))
        try kernel.apply(plan)
        #expect(try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed).isEmpty)
    }

    /// Without isolation (measuring its cost) none of it is there.
    @Test func withoutIsolationNoFilterNoBridgeTable() {
        var node = F.node(.vxlan(vni: 7))
        node.isolation = false
        let table = NodeFirewall.table(node: node, containers: [F.container(1)])
        #expect(table.chains["filter-forward"] == nil && table.chains["filter-input"] == nil)
        #expect(!(table.chains["raw-prerouting"]?.rules.contains { $0.text?.contains("drop") == true } ?? true))
        #expect(NodeFirewall.bridgeTable(node: node, containers: [F.container(1)]) == nil)
    }
}
