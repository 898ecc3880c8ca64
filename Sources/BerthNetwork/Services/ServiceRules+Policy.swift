import BerthCore

extension ServiceRules {
    /// A local container: its `svc-self` pair (hairpin), and, when its service has ingress
    /// rules, the `pol-dests` element sending new connections to it through the policy chain.
    static func containerFragment(_ ip: IPv4Address, policy: String?) -> RuleFragment {
        var fragment = RuleFragment()
        fragment.add(NFTElement([.address(ip), .address(ip)]), to: Names.selfSet)
        if let policy { fragment.add(NFTElement([.address(ip)], [.verdict(.goto(Names.policyChain(policy)))]), to: Names.policyMap) }
        return fragment
    }

    /// `pol-<hash>`: one accept rule per (rule, kind of source), then reject. Rules add up, as in
    /// Kubernetes; what no rule accepts is refused at once, so a client learns it is not allowed
    /// instead of timing out: with a TCP reset, or ICMP port unreachable (which TCP also takes as
    /// "refused") for other protocols and for connections DNATed to a VIP on this node. Those
    /// are bridged (br_netfilter bridges a DNAT to the same bridge), and the kernel sends a
    /// bridged packet's reset straight out of the port it came in on, past NAT, from the
    /// target's address, which the client ignores; an ICMP error is routed, and conntrack
    /// rewrites it back to the VIP. ICMP errors are rate-limited per client (a burst of 6,
    /// then `net.ipv4.icmp_ratelimit`), resets are not.
    static func policyFragment(_ service: String, _ rules: [IngressRule]) -> RuleFragment {
        var accepts: [NFTRule] = []
        for (i, rule) in rules.enumerated() {
            let ports = portMatch(rule.ports)
            let label = "\(service) rule \(i + 1)"
            let services = Set(rule.from.compactMap { if case .service(let s) = $0 { s } else { nil } }).sorted()
            let cidrs = Set(rule.from.compactMap { if case .cidr(let c) = $0 { c } else { nil } }).sorted { ($0.network, $0.prefix) < ($1.network, $1.prefix) }
            if rule.from.isEmpty || cidrs.contains(where: { $0.prefix == 0 }) {
                accepts.append(NFTRule(join(ports, "accept"), comment: comment("\(label) from anywhere")))
                continue
            }
            for source in services {
                accepts.append(NFTRule(join("ip saddr @\(Names.sourceSet(source))", ports, "accept"), comment: comment("\(label) from service \(source)")))
            }
            if !cidrs.isEmpty {
                let match = cidrs.count == 1 ? "\(cidrs[0])" : "{ \(cidrs.map(\.description).joined(separator: ", ")) }"
                accepts.append(NFTRule(join("ip saddr \(match)", ports, "accept"), comment: comment("\(label) from CIDRs")))
            }
        }
        return RuleFragment(chains: [NFTChain(name: Names.policyChain(service), rules: accepts + [
            NFTRule("ct status dnat reject", comment: comment("\(service): not allowed, came through a VIP on this node")),
            NFTRule("meta l4proto tcp reject with tcp reset", comment: comment("\(service): not allowed by its ingress rules")),
            NFTRule("reject"),
        ])])
    }

    /// `pol-src-<hash>`: the members of a service named as a source, one element each, so a
    /// replica starting or stopping anywhere is one element added or deleted.
    static func sourcesFragment(_ service: String, _ members: [IPv4Address]) -> RuleFragment {
        RuleFragment(sets: [NFTSet(name: Names.sourceSet(service), keyType: [.ipv4Address], elements: Set(members.map { NFTElement(.address($0)) }))])
    }

    /// `tcp dport 5432`, or a set of protocol and port pairs, or nothing (any port).
    static func portMatch(_ ports: [PolicyPort]) -> String {
        let unique = Set(ports).sorted()
        if unique.isEmpty { return "" }
        if unique.count == 1 { return "\(unique[0].proto.rawValue) dport \(unique[0].port)" }
        return "meta l4proto . th dport { \(unique.map { "\($0.proto.rawValue) . \($0.port)" }.joined(separator: ", ")) }"
    }

    static func join(_ parts: String...) -> String { parts.filter { !$0.isEmpty }.joined(separator: " ") }
}
