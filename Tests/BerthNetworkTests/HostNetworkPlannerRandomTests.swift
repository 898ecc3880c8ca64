import BerthCore
@testable import BerthNetwork
import BerthTesting
import Testing

/// Seeded random states: a node converged to one random desired state, then disturbed by random
/// drift (hand-deleted routes, neighbours, FDB entries, veths, addresses, nft elements; links
/// set down or to another MTU; stray Berth routes), then planned towards another random desired
/// state. The model kernel must accept the plan, the second plan must be empty, and nothing
/// foreign may change. The seed is in every failure message.
struct HostNetworkPlannerRandomTests {
    typealias F = PlannerFixtures

    static func desired(_ rng: inout SplitMix64) -> HostNetworkDesired {
        let backend: Backend = Bool.random(using: &rng) ? .hostGW : .vxlan(vni: [7, 8].randomElement(using: &rng)!)
        let peers = (2...9).filter { _ in Bool.random(using: &rng) }.map { i -> PeerNode in
            var p = F.peer(i)
            if Int.random(in: 0..<4, using: &rng) == 0 { p.underlayAddress = IPv4Address(p.underlayAddress.value + 50) }
            return p
        }
        var port: UInt16 = 8000
        let containers = (1...8).filter { _ in Bool.random(using: &rng) }.map { n -> ContainerNetwork in
            let ports = (0..<Int.random(in: 0...2, using: &rng)).map { _ -> PublishedPort in
                port += UInt16.random(in: 1...3, using: &rng)
                return PublishedPort(Bool.random(using: &rng) ? .tcp : .udp, hostPort: port, containerPort: 80)
            }
            return F.container(n, ports: ports)
        }
        return HostNetworkDesired(node: F.node(backend), peers: peers, containers: containers)
    }

    static func drift(_ kernel: inout HostKernelModel, _ rng: inout SplitMix64) {
        for _ in 0..<Int.random(in: 0...4, using: &rng) {
            var o = kernel.observed
            switch Int.random(in: 0..<9, using: &rng) {
            case 0: if let r = o.ownedRoutes.randomElement(using: &rng) { o.routes.removeAll { $0 == r } }
            case 1: if !o.neighbours.isEmpty { o.neighbours.remove(at: Int.random(in: 0..<o.neighbours.count, using: &rng)) }
            case 2: if !o.fdb.isEmpty { o.fdb.remove(at: Int.random(in: 0..<o.fdb.count, using: &rng)) }
            case 3: if let l = o.links.keys.filter(LinkNames.isContainerLink).randomElement(using: &rng) { o.links[l] = nil }
            case 4: if let l = o.ownedLinks.randomElement(using: &rng) { o.links[l.name]!.up = false }
            case 5: if let l = o.ownedLinks.randomElement(using: &rng) { o.links[l.name]!.mtu = 1400 }
            case 6: o.routes.append(ObservedRoute(destination: CIDR("198.19.\(Int.random(in: 20...30, using: &rng)).0/24")!, gateway: IPv4Address("198.18.0.40"), device: "eth0", onlink: false, proto: "98"))
            case 7: if o.links["berth0"] != nil { o.links["berth0"]!.addresses = [] }
            default:
                if var set = kernel.nft.table?.sets["host-ports"], let e = set.elements.first {
                    set.elements.remove(e)
                    kernel.nft.table!.sets["host-ports"] = set
                    o.firewall = kernel.nft.table
                }
            }
            kernel.observed = o
        }
    }

    @Test(arguments: 0..<200)
    func randomStatesConverge(seed: Int) throws {
        var rng = SplitMix64(seed: UInt64(seed) &+ 0x5eed)
        var kernel = HostKernelModel(observed: F.bareNode())
        for step in 0..<4 {
            let desired = Self.desired(&rng)
            Self.drift(&kernel, &rng)
            let before = kernel.observed
            let plan: [NetworkAction]
            do { plan = try HostNetworkPlanner.plan(desired: desired, observed: before) } catch {
                Issue.record("seed \(seed) step \(step): plan failed: \(error)")
                return
            }
            do { try kernel.apply(plan) } catch {
                Issue.record("seed \(seed) step \(step): kernel refused: \(error)\nplan: \(plan)")
                return
            }
            let again = try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed)
            #expect(again.isEmpty, "seed \(seed) step \(step): second plan \(again)")
            #expect(kernel.observed.links["docker0"] == before.links["docker0"], "seed \(seed): foreign link changed")
            #expect(kernel.observed.routes.filter { !$0.isOwned } == before.routes.filter { !$0.isOwned }, "seed \(seed): foreign route changed")
            // Each peer is exactly a route (and for VXLAN a neighbour and an FDB entry).
            let o = kernel.observed
            #expect(Set(o.ownedRoutes.map(\.destination)) == Set(desired.peers.map(\.subnet)), "seed \(seed) step \(step): routes")
            if let vxlan = desired.node.backend.driver as? VXLANBackend {
                let dev = vxlan.deviceName
                #expect(Set(o.fdb) == Set(desired.peers.map { FDBEntry(mac: $0.effectiveVTEPMAC, device: dev, destination: $0.underlayAddress) }), "seed \(seed) step \(step): fdb")
                #expect(Set(o.neighbours.map(\.address)) == Set(desired.peers.map(\.subnet.network)), "seed \(seed) step \(step): neighbours")
            } else {
                #expect(o.fdb.isEmpty && o.neighbours.isEmpty && !o.links.keys.contains(where: LinkNames.isVXLAN), "seed \(seed) step \(step): VXLAN leftovers")
                for peer in desired.peers { #expect(o.routes.contains { $0.destination == peer.subnet && $0.gateway == peer.underlayAddress }) }
            }
            #expect(o.ipForwarding && o.links["berth0"]?.addresses == [InterfaceAddress(desired.node.gateway, prefix: 24)], "seed \(seed) step \(step): bridge")
            #expect(o.firewall?.sets["host-ports"]?.elements.count == desired.containers.flatMap(\.ports).count, "seed \(seed) step \(step): host ports")
            // Every wanted container has its side configured at the node's MTU.
            let mtu = desired.node.backend.mtu(underlayMTU: 1500)
            for c in desired.containers {
                #expect(kernel.containerSides[c.namespace]?.mtu == mtu, "seed \(seed) step \(step): \(c.id) MTU")
                #expect(kernel.observed.links[c.hostLinkName]?.master == "berth0", "seed \(seed) step \(step): \(c.id) not on the bridge")
            }
        }
    }
}
