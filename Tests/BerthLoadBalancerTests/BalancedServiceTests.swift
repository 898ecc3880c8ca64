import BerthCore
import Testing
@testable import BerthLoadBalancer

@Suite struct BalancedServiceTests {
    struct AddressCase: Sendable, CustomTestStringConvertible {
        var label: String
        var target: ServiceTargets.Target
        var expected: String?
        var testDescription: String { label }
    }

    @Test(arguments: [
        AddressCase(label: "container IP", target: Fixtures.target("a", ip: "10.88.1.5"), expected: "10.88.1.5:8080"),
        AddressCase(label: "host port wins over IP", target: Fixtures.target("a", ip: "10.88.1.5", hostPort: 31001), expected: "192.168.1.21:31001"),
        AddressCase(label: "process driver: host port, no IP", target: Fixtures.target("a", hostPort: 31002), expected: "192.168.1.21:31002"),
        AddressCase(label: "no IP, no host port: host network", target: Fixtures.target("a"), expected: "192.168.1.21:8080"),
        AddressCase(label: "IPv6 is bracketed", target: Fixtures.target("a", ip: "fd00::5"), expected: "[fd00::5]:8080"),
        AddressCase(label: "hostname host", target: Fixtures.target("a", host: "node-1.local", hostPort: 30000), expected: "node-1.local:30000"),
        AddressCase(label: "unsafe host refused", target: Fixtures.target("a", host: "x; include /etc/passwd", hostPort: 1), expected: nil),
    ])
    func address(_ row: AddressCase) {
        #expect(BalancedService.address(of: row.target) == row.expected)
    }

    @Test func serversAreSortedDedupedAndFilteredToTheFirstTCPPort() {
        let watched = Fixtures.service("web", [
            Fixtures.target("c3", ip: "10.88.1.3"),
            Fixtures.target("c1", ip: "10.88.1.1"),
            Fixtures.target("c1", ip: "10.88.1.1", port: 9090),  // the second service port
            Fixtures.target("c2", ip: "10.88.1.1"),              // same address as c1: dropped
        ], ports: [ServicePort(port: 53, targetPort: 5353, protocol: .udp), ServicePort(port: 80, targetPort: 8080), ServicePort(port: 90, targetPort: 9090)])
        let service = BalancedService(watched)
        #expect(service.port?.port == 80)
        #expect(service.servers.map(\.name) == ["c1", "c3"])
        #expect(service.servers.map(\.address) == ["10.88.1.1:8080", "10.88.1.3:8080"])
    }

    @Test func withoutServicePortsEveryTargetIsUsedAndNamesStayUnique() {
        let watched = Fixtures.service("web", [
            Fixtures.target("c1", ip: "10.88.1.1", port: 8080),
            Fixtures.target("c1", ip: "10.88.1.1", port: 9090),
        ], ports: [])
        let service = BalancedService(watched)
        #expect(service.servers.map(\.name) == ["c1-8080", "c1-9090"])
    }

    @Test func udpOnlyServiceHasNoServer() {
        let watched = Fixtures.service("dns", [Fixtures.target("c1", ip: "10.88.1.1", port: 5353)],
                                       ports: [ServicePort(port: 53, targetPort: 5353, protocol: .udp)])
        #expect(BalancedService(watched).servers.isEmpty)
    }

    @Test func counts() {
        #expect(BalancedService(Fixtures.service("web", [Fixtures.target("c1", ip: "10.0.0.1")])).countText == "web=1")
        #expect(BalancedService(Fixtures.service("api", [])).countText == "api=0")
        #expect(BalancedService(Fixtures.missing("ghost")).countText == "ghost=missing")
    }
}
