import BerthCore

/// A UDP flow through a VIP whose target left the service.
///
/// UDP has no connection to end: the kernel's conntrack entry keeps sending a client's
/// datagrams to the target its first datagram was DNATed to until the entry times out (30 s,
/// 120 s once traffic went both ways), also after that target left the service — so a client
/// that keeps its socket (a resolver, a metrics agent) keeps talking to a replica that is
/// unhealthy, stopping or gone. kube-proxy deletes those entries when a UDP endpoint goes;
/// `ServiceProxy` does the same for what `ServiceRules.staleUDPFlows` finds. TCP needs nothing:
/// a new connection is a new entry and goes through the rules again.
public struct StaleUDPFlow: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var vip: IPv4Address
    public var port: UInt16
    /// The address the flows were DNATed to.
    public var target: IPv4Address

    public init(vip: IPv4Address, port: UInt16, target: IPv4Address) {
        self.vip = vip
        self.port = port
        self.target = target
    }

    public var description: String { "udp \(vip):\(port) → \(target)" }

    public static func < (a: StaleUDPFlow, b: StaleUDPFlow) -> Bool { (a.vip, a.port, a.target) < (b.vip, b.port, b.target) }
}

extension ServiceRules {
    /// The UDP (VIP, port, target address) triples `old` sent traffic to and `new` does not: a
    /// target removed, or its whole port, service or VIP gone. A target that only moved to
    /// another port on the same address counts too (its flows point at the old port).
    public static func staleUDPFlows(from old: Input, to new: Input) -> [StaleUDPFlow] {
        struct Key: Hashable { var vip: IPv4Address, port: UInt16 }
        var kept: [Key: Set<Target>] = [:]
        for service in new.services {
            guard let vip = service.vip else { continue }
            for port in service.ports where port.proto == .udp { kept[Key(vip: vip, port: port.port), default: []].formUnion(port.targets) }
        }
        var stale = Set<StaleUDPFlow>()
        for service in old.services {
            guard let vip = service.vip else { continue }
            for port in service.ports where port.proto == .udp {
                let now = kept[Key(vip: vip, port: port.port)] ?? []
                for target in port.targets where !now.contains(target) {
                    stale.insert(StaleUDPFlow(vip: vip, port: port.port, target: target.ip))
                }
            }
        }
        return stale.sorted()
    }
}
