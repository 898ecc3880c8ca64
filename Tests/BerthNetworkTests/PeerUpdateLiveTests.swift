import BerthCore
import BerthLab
import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// `HostNetwork.updatePeers` in a real namespace: one `ip -batch` (and a `bridge -batch` for
/// VXLAN) programs exactly what a sync would, and a foreign route to a new peer's subnet makes
/// it fail without touching that route, which the following sync then reports.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct PeerUpdateLiveTests {
    static func peer(_ i: Int) -> PeerNode {
        PeerNode(name: "node\(i)", underlayAddress: IPv4Address(0xc612_0000 + UInt32(10 + i)), subnet: CIDR("198.19.\(i).0/24")!)
    }

    @Test(arguments: [Backend.hostGW, Backend.vxlan(vni: 5)])
    func updatePeersProgramsOnlyTheChange(backend: Backend) throws {
        try RequiredTools.require(["ip", "nft", "bridge"])
        let lab = try NetworkLab(nodes: 1)
        defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
        let ns = lab.nodes[0].namespace
        let network = HostNetwork(node: NodeNetworkConfig(name: "node1", namespace: ns, underlayAddress: lab.nodes[0].address,
                                                          subnet: CIDR("198.19.1.0/24")!, clusterCIDRs: [CIDR("198.19.0.0/17")!], backend: backend))
        #expect(throws: HostNetworkError.notSynced) { try network.updatePeers([Self.peer(2)]) }
        network.setPeers([Self.peer(2), Self.peer(3)])
        try network.sync()

        let update = try network.updatePeers([Self.peer(3), Self.peer(4), Self.peer(5)])
        // ip (routes), bridge (VXLAN's FDB), and nft for the `peer-nodes` set the node's filters
        // accept peers' traffic from.
        #expect(update.processes == (backend == .hostGW ? 2 : 3), "\(update.actions)")
        #expect(try network.sync().actions.isEmpty, "the fast path left what a sync wants")
        let routes = Set(try network.executor.observe().ownedRoutes.map(\.destination))
        #expect(routes == Set([3, 4, 5].map { Self.peer($0).subnet }))

        try lab.ip(ns, ["route", "add", "198.19.6.0/24", "via", "198.18.0.99", "proto", "static"])
        #expect(throws: HostNetworkError.self) { try network.updatePeers([Self.peer(3), Self.peer(6)]) }
        let foreign = try lab.runner.check(["ip", "-n", ns, "route", "show", "198.19.6.0/24"]).stdout
        #expect(String(decoding: foreign, as: UTF8.self).contains("via 198.18.0.99 dev eth0 proto static"), "the foreign route is untouched")
        #expect(throws: HostNetworkError.routeConflict(CIDR("198.19.6.0/24")!, protocol: "static")) { try network.sync() }
        try network.teardown()
    }
}
