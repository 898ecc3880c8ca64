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
        #expect(pre.rules.map(\.text) == ["ip daddr 198.18.0.11 udp dport 4789 notrack"])
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

    /// No forward chain: accept-only rules under policy accept change no verdict. A node still
    /// holding the old `filter-forward` chain loses it on its next sync, with nothing else changed.
    @Test func noForwardChainAndTheOldOneIsRemoved() throws {
        let desired = HostNetworkDesired(node: F.node(.vxlan(vni: 7)), peers: [F.peer(2)])
        #expect(!NodeFirewall.table(node: desired.node, containers: []).chains.values.contains { $0.base?.hook == .forward })
        var old = try F.converge(desired, from: F.bareNode()).observed
        old.firewall!.chains["filter-forward"] = NFTChain(name: "filter-forward", base: NFTBaseChain(.filter, hook: .forward, priority: 0),
                                                          rules: [NFTRule("ip saddr @cluster-nets accept"), NFTRule("ip daddr @cluster-nets accept")])
        var kernel = HostKernelModel(observed: old)
        let plan = try HostNetworkPlanner.plan(desired: desired, observed: old)
        #expect(plan == [.nftTransaction(NFTTransaction(commands: ["flush chain ip berth filter-forward", "delete chain ip berth filter-forward"]))])
        try kernel.apply(plan)
        #expect(try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed).isEmpty)
    }
}
