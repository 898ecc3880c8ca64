import BerthCore
@testable import BerthNetwork
import BerthTesting
import Testing

/// The peer fast path (`HostNetworkPlanner.peerChanges`) against the model kernel: from a node
/// synced to one peer list, the fast path to another leaves exactly what a full plan would
/// (planning again finds nothing), for random lists under both backends; and a new peer whose
/// subnet someone else already routes is added, not replaced, so the kernel refuses it and the
/// foreign route stays.
struct PeerChangesTests {
    typealias F = PlannerFixtures

    static func peers(_ rng: inout SplitMix64) -> [PeerNode] {
        (2...9).filter { _ in rng.bool() }.map { i in
            var peer = F.peer(i)
            if rng.int(in: 0...3) == 0 { peer.underlayAddress = IPv4Address(peer.underlayAddress.value + 50) }
            if rng.int(in: 0...5) == 0 { peer.vtepMAC = MACAddress.vtep(forNode: "moved-\(i)") }
            return peer
        }
    }

    @Test(arguments: TestSeeds.or(Array(0..<100)))
    func theFastPathLeavesWhatAFullSyncWould(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        let node = F.node(rng.bool() ? .hostGW : .vxlan(vni: 7))
        var old = Self.peers(&rng)
        var kernel = try F.converge(HostNetworkDesired(node: node, peers: old), from: F.bareNode())
        for step in 0..<4 {
            let new = Self.peers(&rng)
            let actions = try HostNetworkPlanner.peerChanges(from: old, to: new, node: node)
            try kernel.apply(actions)
            let again = try HostNetworkPlanner.plan(desired: HostNetworkDesired(node: node, peers: new), observed: kernel.observed)
            #expect(again.isEmpty, "seed \(seed) step \(step): \(old.map(\.name)) → \(new.map(\.name)) left \(again)")
            #expect(actions.allSatisfy { if case .replaceRoute(let r) = $0 { old.contains { $0.subnet == r.destination } } else { true } },
                    "seed \(seed): a route to a subnet no old peer had is added, never replaced")
            old = new
        }
    }

    @Test(arguments: [Backend.hostGW, .vxlan(vni: 7)])
    func aForeignRouteToANewPeersSubnetIsRefusedNotOverwritten(backend: Backend) throws {
        let node = F.node(backend)
        var bare = F.bareNode()
        let foreign = ObservedRoute(destination: F.peer(3).subnet, gateway: IPv4Address("198.18.0.99"), device: "eth0", onlink: false, proto: "static")
        bare.routes.append(foreign)
        var kernel = try F.converge(HostNetworkDesired(node: node, peers: [F.peer(2)]), from: bare)
        let actions = try HostNetworkPlanner.peerChanges(from: [F.peer(2)], to: [F.peer(2), F.peer(3)], node: node)
        #expect(actions.contains { if case .addRoute(let r) = $0 { r.destination == F.peer(3).subnet } else { false } })
        #expect(throws: HostKernelModel.Refused.self) { try kernel.apply(actions) }
        #expect(kernel.observed.routes.contains(foreign))
        // A full sync, which looks, names the conflict.
        #expect(throws: HostNetworkError.routeConflict(F.peer(3).subnet, protocol: "static")) {
            try HostNetworkPlanner.plan(desired: HostNetworkDesired(node: node, peers: [F.peer(2), F.peer(3)]), observed: kernel.observed)
        }
    }
}
