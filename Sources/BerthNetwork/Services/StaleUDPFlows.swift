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
        let kept = udpTargets(new)
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

    /// The UDP (VIP, port, target address) triples a table found in the kernel sends traffic
    /// to (the `svc-ep-i` elements), for the UDP flows of an agent restarted after targets left:
    /// what the table held and the new input does not are stale too. (`sourceHash` ports keep
    /// their targets in chains, not read here: their flows time out.)
    public static func staleUDPFlows(fromTable table: NFTTable?, to new: Input) -> [StaleUDPFlow] {
        guard let table else { return [] }
        var old: [Key: Set<Target>] = [:]
        for (name, set) in table.sets where name.hasPrefix("svc-ep-") {
            for element in set.elements {
                guard element.key.count == 3, element.key[1] == .udp,
                      case .address(let vip) = element.key[0].normalised, case .port(let port) = element.key[2],
                      let value = element.value, value.count == 2,
                      case .address(let target) = value[0].normalised, case .port(let targetPort) = value[1] else { continue }
                old[Key(vip: vip, port: port), default: []].insert(Target(ip: target, port: targetPort))
            }
        }
        let kept = udpTargets(new)
        var stale = Set<StaleUDPFlow>()
        for (key, targets) in old {
            let now = kept[key] ?? []
            for target in targets where !now.contains(target) { stale.insert(StaleUDPFlow(vip: key.vip, port: key.port, target: target.ip)) }
        }
        return stale.sorted()
    }

    private struct Key: Hashable {
        var vip: IPv4Address
        var port: UInt16
    }

    private static func udpTargets(_ input: Input) -> [Key: Set<Target>] {
        var kept: [Key: Set<Target>] = [:]
        for service in input.services {
            guard let vip = service.vip else { continue }
            for port in service.ports where port.proto == .udp { kept[Key(vip: vip, port: port.port), default: []].formUnion(port.targets) }
        }
        return kept
    }
}

