import BerthCore
@testable import BerthNetwork
import Testing

/// The planner without a kernel: what each situation turns into, that the model kernel accepts
/// the plan, and that planning again afterwards gives nothing.
struct HostNetworkPlannerTests {
    typealias F = PlannerFixtures

    /// Applies the plan to the model and checks a second plan is empty; returns the first plan.
    @discardableResult
    func planConverges(_ desired: HostNetworkDesired, _ observed: HostNetworkObserved, _ kernel: inout HostKernelModel) throws -> [NetworkAction] {
        let plan = try HostNetworkPlanner.plan(desired: desired, observed: observed)
        #expect(try HostNetworkPlanner.plan(desired: desired, observed: observed) == plan, "same input, same plan")
        try kernel.apply(plan)
        let again = try HostNetworkPlanner.plan(desired: desired, observed: kernel.observed)
        #expect(again.isEmpty, "second plan: \(again)")
        // Foreign objects are untouched.
        #expect(kernel.observed.links["docker0"] == observed.links["docker0"])
        #expect(kernel.observed.routes.filter { !$0.isOwned } == observed.routes.filter { !$0.isOwned })
        return plan
    }

    @Test func emptyToFullHostGW() throws {
        let desired = HostNetworkDesired(node: F.node(), peers: [F.peer(2), F.peer(3)], containers: [F.container(1, ports: [PublishedPort(.tcp, hostPort: 8080, containerPort: 80)])])
        var kernel = HostKernelModel(observed: F.bareNode())
        let plan = try planConverges(desired, F.bareNode(), &kernel)
        #expect(plan.first == .setSysctl(key: "net.ipv4.ip_forward", value: "1"))
        #expect(plan.contains(.createBridge(name: "berth0", mtu: 1500)))
        #expect(plan.contains(.addAddress(InterfaceAddress(IPv4Address("198.19.1.1")!, prefix: 24), device: "berth0")))
        #expect(plan.contains(.replaceRoute(RouteSpec(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.18.0.12")))))
        #expect(plan.contains(.createVeth(hostName: F.container(1).hostLinkName, mtu: 1500, containerNamespace: "bt00-c1")))
        #expect(kernel.containerSides["bt00-c1"]?.address == InterfaceAddress(IPv4Address("198.19.1.11")!, prefix: 24))
        #expect(kernel.containerSides["bt00-c1"]?.gateway == IPv4Address("198.19.1.1"))
        #expect(kernel.observed.firewall?.sets["host-ports"]?.elements.count == 1)
        #expect(!plan.contains { if case .createVXLAN = $0 { true } else { false } })
    }

    @Test func emptyToFullVXLAN() throws {
        let desired = HostNetworkDesired(node: F.node(.vxlan(vni: 7)), peers: [F.peer(2)], containers: [F.container(1)])
        var kernel = HostKernelModel(observed: F.bareNode())
        let plan = try planConverges(desired, F.bareNode(), &kernel)
        let mac = MACAddress.vtep(forNode: "node1")
        #expect(plan.contains(.createVXLAN(VXLANDevice(name: "berthvx7", vni: 7, port: 8472, local: IPv4Address("198.18.0.11")!, underlayDevice: "eth0", mac: mac, mtu: 1450))))
        #expect(plan.contains(.createBridge(name: "berth0", mtu: 1450)))
        #expect(plan.contains(.addAddress(InterfaceAddress(IPv4Address("198.19.1.0")!, prefix: 32), device: "berthvx7")))
        let peerMAC = MACAddress.vtep(forNode: "node2")
        #expect(plan.contains(.replaceNeighbour(IPv4Address("198.19.2.0")!, mac: peerMAC, device: "berthvx7")))
        #expect(plan.contains(.replaceFDB(FDBEntry(mac: peerMAC, device: "berthvx7", destination: IPv4Address("198.18.0.12")!))))
        #expect(plan.contains(.replaceRoute(RouteSpec(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.19.2.0"), device: "berthvx7", onlink: true))))
        #expect(mac.bytes[0] & 0x03 == 0x02, "unicast, locally administered")
    }

    struct Change: CustomTestStringConvertible, Sendable {
        var name: String
        var before: HostNetworkDesired
        var after: HostNetworkDesired
        /// Every action of the plan must satisfy this (what a change may touch).
        var allowed: @Sendable (NetworkAction) -> Bool
        var expected: [NetworkAction]
        var testDescription: String { name }
    }

    static let vx = F.node(.vxlan(vni: 7))
    static let changes: [Change] = [
        Change(name: "peer added (host-gw): one route and its peer-nodes element", before: .init(node: F.node(), peers: [F.peer(2)]), after: .init(node: F.node(), peers: [F.peer(2), F.peer(3)]),
               allowed: { switch $0 { case .replaceRoute, .nftTransaction: true; default: false } },
               expected: [.replaceRoute(RouteSpec(destination: CIDR("198.19.3.0/24")!, gateway: IPv4Address("198.18.0.13"))),
                          .nftTransaction(NFTTransaction(commands: ["add element ip berth peer-nodes { 198.18.0.13 }"]))]),
        Change(name: "peer removed (vxlan): route, neighbour, fdb, peer-nodes element", before: .init(node: vx, peers: [F.peer(2), F.peer(3)]), after: .init(node: vx, peers: [F.peer(2)]),
               allowed: { switch $0 { case .deleteRoute, .deleteNeighbour, .deleteFDB, .nftTransaction: true; default: false } },
               expected: [.deleteNeighbour(IPv4Address("198.19.3.0")!, device: "berthvx7"),
                          .deleteFDB(FDBEntry(mac: MACAddress.vtep(forNode: "node3"), device: "berthvx7", destination: IPv4Address("198.18.0.13")!)),
                          .nftTransaction(NFTTransaction(commands: ["delete element ip berth peer-nodes { 198.18.0.13 }"]))]),
        Change(name: "backend switch vxlan -> host-gw", before: .init(node: vx, peers: [F.peer(2)], containers: [F.container(1)]),
               after: .init(node: F.node(), peers: [F.peer(2)], containers: [F.container(1)]),
               allowed: { _ in true },
               expected: [.deleteLink("berthvx7"), .setLink("berth0", mtu: 1500, up: true), .setContainerMTU(namespace: "bt00-c1", mtu: 1500),
                          .replaceRoute(RouteSpec(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.18.0.12")))]),
        Change(name: "container gone: its veth and its port", before: .init(node: F.node(), containers: [F.container(1), F.container(2, ports: [PublishedPort(.udp, hostPort: 53, containerPort: 53)])]),
               after: .init(node: F.node(), containers: [F.container(1)]),
               allowed: { switch $0 { case .deleteLink, .nftTransaction: true; default: false } },
               expected: [.deleteLink(F.container(2).hostLinkName),
                          .nftTransaction(NFTTransaction(commands: ["delete element ip berth host-ports { udp . 53 }",
                                                                    "delete element bridge berth container-ports { \"\(F.container(2).hostLinkName)\" . 0a:58:c6:13:01:0c . 198.19.1.12 }"]))]),
    ]

    @Test(arguments: changes)
    func change(_ c: Change) throws {
        var kernel = try F.converge(c.before, from: F.bareNode())
        let observed = kernel.observed
        let plan = try planConverges(c.after, observed, &kernel)
        #expect(plan.allSatisfy(c.allowed), "\(plan)")
        for action in c.expected { #expect(plan.contains(action), "missing \(action) in \(plan)") }
    }

    @Test func driftIsRepaired() throws {
        let desired = HostNetworkDesired(node: F.node(.vxlan(vni: 7)), peers: [F.peer(2), F.peer(3)], containers: [F.container(1)])
        var kernel = try F.converge(desired, from: F.bareNode())
        kernel.observed.routes.removeAll { $0.destination == CIDR("198.19.2.0/24")! }
        kernel.observed.neighbours.removeAll { $0.address == IPv4Address("198.19.3.0")! }
        kernel.observed.links[F.container(1).hostLinkName]!.up = false
        let observed = kernel.observed
        let plan = try planConverges(desired, observed, &kernel)
        #expect(plan.count == 3, "\(plan)")
    }

    // MARK: Bad input: an error, and no plan at all

    struct Bad: CustomTestStringConvertible, Sendable {
        var name: String
        var desired: HostNetworkDesired
        var observed: HostNetworkObserved
        var testDescription: String { name }
    }

    static let bad: [Bad] = [
        Bad(name: "node subnet overlaps the underlay", desired: .init(node: F.node(subnet: "198.18.0.0/24")), observed: F.bareNode()),
        Bad(name: "cluster network overlaps the underlay", desired: .init(node: NodeNetworkConfig(name: "n", namespace: nil, underlayAddress: IPv4Address("198.19.100.5")!, subnet: CIDR("198.19.1.0/24")!, clusterCIDRs: [F.cluster], backend: .hostGW)),
            observed: HostNetworkObserved(links: [ObservedLink(name: "eth0", kind: "", mtu: 1500, addresses: [InterfaceAddress(IPv4Address("198.19.100.5")!, prefix: 24)])])),
        Bad(name: "berth0 exists but is not a bridge", desired: .init(node: F.node()), observed: {
            var o = F.bareNode(); o.links["berth0"] = ObservedLink(name: "berth0", kind: "veth", mtu: 1500); return o }()),
        Bad(name: "a foreign route to a peer subnet", desired: .init(node: F.node(), peers: [F.peer(2)]), observed: {
            var o = F.bareNode(); o.routes.append(ObservedRoute(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.18.0.99"), device: "eth0", onlink: false, proto: "static")); return o }()),
        Bad(name: "underlay address not on the node", desired: .init(node: F.node()), observed: HostNetworkObserved()),
        Bad(name: "container outside the node subnet", desired: .init(node: F.node(), containers: [ContainerNetwork(id: "x", namespace: "x", address: IPv4Address("198.19.9.9")!, prefix: 24)]), observed: F.bareNode()),
        Bad(name: "peer subnet overlaps the node's", desired: .init(node: F.node(), peers: [PeerNode(name: "p", underlayAddress: IPv4Address("198.18.0.12")!, subnet: CIDR("198.19.1.0/25")!)]), observed: F.bareNode()),
        Bad(name: "a port published twice", desired: .init(node: F.node(), containers: [F.container(1, ports: [PublishedPort(.tcp, hostPort: 80, containerPort: 80)]), F.container(2, ports: [PublishedPort(.tcp, hostPort: 80, containerPort: 81)])]), observed: F.bareNode()),
    ]

    @Test(arguments: bad)
    func badInputThrowsBeforeAnyAction(_ b: Bad) {
        #expect(throws: HostNetworkError.self) { try HostNetworkPlanner.plan(desired: b.desired, observed: b.observed) }
    }

    @Test func unknownBackendIsNamed() throws {
        #expect(throws: HostNetworkError.unknownBackend("udp")) { try Backend(name: "udp") }
        #expect(try Backend(name: "host-gw") == .hostGW)
        #expect(HostNetworkError.unknownBackend("udp").description.contains("\"udp\""))
    }

    @Test func namesAreStableAndOwned() {
        let name = LinkNames.containerLink(forID: "abc")
        #expect(name == LinkNames.containerLink(forID: "abc"))
        #expect(name.count == 10 && name.hasPrefix("bv"))
        #expect(LinkNames.isOwned(name) && LinkNames.isOwned("berth0") && LinkNames.isOwned("berthvx42"))
        #expect(!LinkNames.isOwned("eth0") && !LinkNames.isOwned("berthvxlan") && !LinkNames.isOwned("bvx"))
        #expect(MACAddress.vtep(forNode: "a") == MACAddress.vtep(forNode: "a"))
        #expect(MACAddress.vtep(forNode: "a") != MACAddress.vtep(forNode: "b"))
    }
}
