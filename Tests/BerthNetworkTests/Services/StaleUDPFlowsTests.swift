import BerthCore
import BerthNetwork
import Testing

/// Which UDP flows through a VIP point at a target that left: the conntrack entries
/// `ServiceProxy` deletes after an update.
@Suite struct StaleUDPFlowsTests {
    typealias R = ServiceRules
    static let vip = IPv4Address("198.19.128.53")!
    static let (a, b, c) = (IPv4Address("198.19.1.11")!, IPv4Address("198.19.1.12")!, IPv4Address("198.19.2.13")!)

    static func service(_ name: String = "dns", vip: IPv4Address = vip, udp: [IPv4Address], tcp: [IPv4Address] = [], targetPort: UInt16 = 5353) -> R.Service {
        R.Service(name: name, vip: vip, ports: [
            R.Port(port: 53, proto: .udp, targetPort: targetPort, targetIPs: udp),
            R.Port(port: 53, proto: .tcp, targetPort: targetPort, targetIPs: tcp),
        ])
    }

    static func flows(_ old: [R.Service], _ new: [R.Service]) -> [String] {
        R.staleUDPFlows(from: R.Input(services: old), to: R.Input(services: new)).map(\.description)
    }

    @Test func aRemovedUDPTargetsFlowsAreStale() {
        #expect(Self.flows([Self.service(udp: [Self.a, Self.b, Self.c])], [Self.service(udp: [Self.b])])
                == ["udp 198.19.128.53:53 → 198.19.1.11", "udp 198.19.128.53:53 → 198.19.2.13"])
    }

    @Test func nothingIsStaleWhenTargetsOnlyGrowOrReorder() {
        #expect(Self.flows([Self.service(udp: [Self.a])], [Self.service(udp: [Self.b, Self.a])]).isEmpty)
        #expect(Self.flows([], [Self.service(udp: [Self.a])]).isEmpty, "a first update")
    }

    @Test func tcpTargetsNeverLeaveStaleFlows() {
        #expect(Self.flows([Self.service(udp: [], tcp: [Self.a, Self.b])], [Self.service(udp: [], tcp: [])]).isEmpty)
    }

    @Test func aDeletedServiceOrAMovedVIPLeavesAllItsUDPFlowsStale() {
        #expect(Self.flows([Self.service(udp: [Self.a]), Self.service("other", vip: IPv4Address("198.19.128.54")!, udp: [Self.c])],
                           [Self.service("other", vip: IPv4Address("198.19.128.54")!, udp: [Self.c])])
                == ["udp 198.19.128.53:53 → 198.19.1.11"])
        #expect(Self.flows([Self.service(udp: [Self.a])], [Self.service(vip: IPv4Address("198.19.128.99")!, udp: [Self.a])])
                == ["udp 198.19.128.53:53 → 198.19.1.11"])
    }

    @Test func aTargetThatMovedToAnotherPortIsStale() {
        #expect(Self.flows([Self.service(udp: [Self.a])], [Self.service(udp: [Self.a], targetPort: 5454)]) == ["udp 198.19.128.53:53 → 198.19.1.11"])
    }
}
