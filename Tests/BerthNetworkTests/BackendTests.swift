import BerthCore
@testable import BerthNetwork
import Testing

/// Each backend, table by table: what a peer lease becomes, its device, its MTU and its rules
/// (Flannel's contract: a lease is exactly a route, and for an overlay a neighbour and an FDB entry).
struct BackendTests {
    typealias F = PlannerFixtures

    struct Lease: CustomTestStringConvertible, Sendable {
        var backend: Backend
        var peer: PeerNode
        var expected: PeerEntries
        var testDescription: String { "\(backend) ← \(peer.name)" }
    }

    static let mac = MACAddress("02:00:00:00:00:02")!
    static let leases: [Lease] = [
        Lease(backend: .hostGW, peer: F.peer(2),
              expected: PeerEntries(route: RouteSpec(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.18.0.12")))),
        Lease(backend: .vxlan(vni: 7), peer: PeerNode(name: "node2", underlayAddress: IPv4Address("198.18.0.12")!, subnet: CIDR("198.19.2.0/24")!, vtepMAC: mac),
              expected: PeerEntries(
                route: RouteSpec(destination: CIDR("198.19.2.0/24")!, gateway: IPv4Address("198.19.2.0"), device: "berthvx7", onlink: true),
                neighbour: PeerNeighbour(address: IPv4Address("198.19.2.0")!, mac: mac, device: "berthvx7"),
                fdb: FDBEntry(mac: mac, device: "berthvx7", destination: IPv4Address("198.18.0.12")!))),
    ]

    @Test(arguments: leases)
    func aPeerLeaseBecomesExactlyItsEntries(_ lease: Lease) {
        #expect(lease.backend.driver.entries(for: lease.peer) == lease.expected)
    }

    /// The same entries through the planner, against an empty kernel: nothing more, nothing less.
    @Test(arguments: leases)
    func thePlannerProgramsExactlyTheEntries(_ lease: Lease) throws {
        let kernel = try F.converge(HostNetworkDesired(node: F.node(lease.backend), peers: [lease.peer]), from: F.bareNode())
        let o = kernel.observed
        #expect(o.ownedRoutes.map(\.destination) == [lease.expected.route.destination])
        #expect(o.ownedRoutes.first.map { lease.expected.route.matches($0) } == true)
        #expect(o.neighbours.map(\.address) == (lease.expected.neighbour.map { [$0.address] } ?? []))
        #expect(o.fdb == (lease.expected.fdb.map { [$0] } ?? []))
    }

    struct Shape: Sendable, CustomTestStringConvertible {
        var backend: Backend
        var mtu: Int
        var device: String?
        var deviceAddress: String?
        var rawChains: [String]
        var testDescription: String { "\(backend)" }
    }

    @Test(arguments: [
        Shape(backend: .hostGW, mtu: 1500, device: nil, deviceAddress: nil, rawChains: []),
        Shape(backend: .vxlan(vni: 7), mtu: 1450, device: "berthvx7", deviceAddress: "198.19.1.0/32", rawChains: ["raw-output", "raw-prerouting"]),
    ])
    func deviceMTUAndRules(_ shape: Shape) {
        let node = F.node(shape.backend)
        #expect(shape.backend.mtu(underlayMTU: 1500) == shape.mtu)
        #expect(shape.backend.driver.device(node: node, underlayDevice: "eth0", mtu: shape.mtu)?.name == shape.device)
        #expect(shape.backend.driver.deviceAddress(node: node)?.description == shape.deviceAddress)
        #expect(shape.backend.driver.underlayChains(node: node).map(\.name).sorted() == shape.rawChains)
    }

    @Test func namesParseThroughTheRegistry() throws {
        #expect(try Backend(name: "VXLAN", vni: 9, port: 4789) == .vxlan(vni: 9, port: 4789))
        #expect(try Backend(name: "host_gw") == .hostGW)
        #expect(Backend.hostGW != .vxlan(vni: 1))
        #expect(throws: HostNetworkError.unknownBackend("geneve")) { try Backend(name: "geneve") }
        #expect(throws: HostNetworkError.self) { try Backend.vxlan(vni: 0).driver.validate() }
    }
}
