import BerthCore
import BerthDNS
import BerthDNSWire

/// A small cluster as the zone sees it, for the pure tests: a VIP service with two named ports,
/// a dnsrr service, standalone containers (one named), two nodes.
enum ZoneFixture {
    static let config = try! DNSZoneConfig(domain: "berth.", ttl: 5, nameserverAddress: DNSIPv4Address(127, 0, 0, 1))
    static let zone = DNSZone(config: config)

    static func ip(_ text: String) -> DNSIPv4Address { DNSIPv4Address(text: text)! }
    static func name(_ text: String) -> DNSName { try! DNSName(text) }

    static var state: DNSZoneState {
        var state = DNSZoneState()
        state.index = 42
        state.set(service: "web", .init(
            name: "web", vip: ip("10.96.0.1"), endpointMode: .vip,
            namedPorts: [.init(name: "http", port: 8080, protocol: .tcp), .init(name: "metrics", port: 9090, protocol: .tcp)]
        ))
        state.set(targets: "web", [
            .init(container: "aaaa000000000001", ip: ip("10.88.0.2"), port: 8080),
            .init(container: "aaaa000000000001", ip: ip("10.88.0.2"), port: 9090),
            .init(container: "aaaa000000000002", ip: ip("10.88.1.2"), port: 8080),
        ])
        state.set(service: "db", .init(name: "db", vip: ip("10.96.0.2"), endpointMode: .dnsrr, namedPorts: [.init(name: "pg", port: 5432, protocol: .tcp)]))
        state.set(targets: "db", [
            .init(container: "bbbb000000000001", ip: ip("10.88.0.3"), port: 5432),
            .init(container: "bbbb000000000002", ip: ip("10.88.1.3"), port: 5432),
            .init(container: "bbbb000000000003", ip: ip("10.88.2.3"), port: 5432),
        ])
        state.set(service: "idle", .init(name: "idle", vip: nil, endpointMode: .dnsrr, namedPorts: []))
        for (id, ip) in [("aaaa000000000001", "10.88.0.2"), ("aaaa000000000002", "10.88.1.2"), ("bbbb000000000001", "10.88.0.3"),
                         ("bbbb000000000002", "10.88.1.3"), ("bbbb000000000003", "10.88.2.3")] {
            state.set(container: id, .init(id: id, ip: Self.ip(ip)))
        }
        state.set(container: "cccc000000000001", .init(id: "cccc000000000001", name: "once", ip: ip("10.88.0.9")))
        state.set(node: "n1", .init(name: "n1", address: ip("198.18.0.10")))
        state.set(node: "n2", .init(name: "n2", address: nil))
        return state
    }
}
