import BerthCore

extension ServiceRules {
    /// The lookup key of a VIP port, as `ip daddr . meta l4proto . th dport` reads a packet.
    static let vipKey = "ip daddr . meta l4proto . th dport"
    static let vipKeyType: [NFTDataType] = [.ipv4Address, .inetProto, .inetService]

    /// Base chains and shared maps. The forward filter hooks at -110 (kube-proxy's `dstnat - 10`);
    /// the NAT chains at dstnat/srcnat.
    ///
    /// A VIP port without targets is refused in hooks that run before the routing decision, as
    /// kube-proxy does: `svc-noep-pre` (prerouting) for what containers and other hosts send,
    /// `svc-noep-out` (output) for the node's own. In the forward hook the answer depended on
    /// the node's routes: with no route covering the VIP, the node answered "network
    /// unreachable" before the forward hook ran. (The node's own connections are routed before
    /// `output`; `HostNetworkPlanner.serviceRoutes` gives them a route.) Both are NAT chains at
    /// -110, before the VIP DNAT: the kernel runs NAT chains only for a connection's first
    /// packet, so the refusal costs the packets of established flows nothing. (As filter chains
    /// they were walked by every packet: two of the seven chains a packet crossed from a
    /// container to one on another node, host-gw.)
    static func baseFragment() -> RuleFragment {
        let dispatch = NFTRule("\(vipKey) vmap @\(Names.vipMap)", comment: "service VIPs")
        let noEndpoints = NFTRule("ct state new \(vipKey) vmap @\(Names.noEndpointMap)", comment: "VIP ports without targets")
        return RuleFragment(chains: [
            NFTChain(name: Names.natPrerouting, base: NFTBaseChain(.nat, hook: .prerouting, priority: -100), rules: [dispatch]),
            NFTChain(name: Names.natOutput, base: NFTBaseChain(.nat, hook: .output, priority: -100), rules: [dispatch]),
            NFTChain(name: Names.noEndpointsPrerouting, base: NFTBaseChain(.nat, hook: .prerouting, priority: -110), rules: [noEndpoints]),
            NFTChain(name: Names.noEndpointsOutput, base: NFTBaseChain(.nat, hook: .output, priority: -110), rules: [noEndpoints]),
            NFTChain(name: Names.natPostrouting, base: NFTBaseChain(.nat, hook: .postrouting, priority: 100), rules: [
                NFTRule("ct status dnat ip saddr . ip daddr @\(Names.selfSet) masquerade", comment: "hairpin: a container reached itself through a VIP"),
            ]),
            NFTChain(name: Names.filterForward, base: NFTBaseChain(.filter, hook: .forward, priority: -110), rules: [
                NFTRule("ct state established,related accept", comment: "replies and admitted connections"),
                NFTRule("ct status dnat iifname \"\(LinkNames.bridge)\" ip saddr . ip daddr @\(Names.selfSet) accept", comment: "a container reaching itself through a VIP"),
                NFTRule("ip daddr vmap @\(Names.policyMap)", comment: "ingress policy of local containers"),
            ]),
            NFTChain(name: Names.rejectChain, rules: [
                NFTRule("meta l4proto tcp reject with tcp reset"),
                NFTRule("reject"),
            ]),
        ], sets: [
            NFTSet(name: Names.vipMap, keyType: vipKeyType, valueType: [.verdict]),
            NFTSet(name: Names.noEndpointMap, keyType: vipKeyType, valueType: [.verdict]),
            NFTSet(name: Names.selfSet, keyType: [.ipv4Address, .ipv4Address]),
            NFTSet(name: Names.policyMap, keyType: [.ipv4Address], valueType: [.verdict]),
        ])
    }

    /// `svc-random-N` / `svc-rr-N`: pick one of N slots for a new connection. `numgen inc` is one
    /// counter for the chain, so round robin is strict per service only while it is the sole
    /// N-target service receiving connections; otherwise its connections still spread evenly.
    static func spreadFragment(_ kind: SpreadKind, targets n: Int) -> RuleFragment {
        let rule: NFTRule
        if n == 1 {
            rule = NFTRule("goto \(Names.slotChain(0))")
        } else {
            let generator = kind == .random ? "random" : "inc"
            let slots = (0..<n).map { "\($0) : goto \(Names.slotChain($0))" }.joined(separator: ", ")
            rule = NFTRule("numgen \(generator) mod \(n) vmap { \(slots) }")
        }
        return RuleFragment(chains: [NFTChain(name: Names.spreadChain(kind, targets: n), rules: [rule])])
    }

    /// `svc-slot-i`: DNAT to the service's i-th target, found in `svc-ep-i` by the VIP key.
    /// (nft wants the protocol matched before a DNAT with a port, hence one rule per protocol.)
    static func slotFragment(_ slot: Int) -> RuleFragment {
        let map = Names.slotMap(slot)
        return RuleFragment(chains: [NFTChain(name: Names.slotChain(slot), rules: TransportProtocol.allCases.map { proto in
            NFTRule("meta l4proto \(proto.rawValue) dnat ip to \(vipKey) map @\(map)")
        })], sets: [NFTSet(name: map, keyType: vipKeyType, valueType: [.ipv4Address, .inetService])])
    }

    /// A service's VIP ports: a `svc-ips` element to the spreading chain and one `svc-ep-i`
    /// element per target; or a `svc-noep` element when no target is healthy; or, for
    /// `sourceHash`, kube-proxy's chains with per-target affinity sets.
    static func serviceFragment(_ service: ServiceVIP) -> RuleFragment {
        var fragment = RuleFragment()
        guard let vip = service.vip else { return fragment }
        for port in service.ports {
            let key: [NFTValue] = [.address(vip), proto(port.proto), .port(port.port)]
            let targets = distinctSorted(port.targets)
            if targets.isEmpty {
                fragment.add(NFTElement(key, [.verdict(.goto(Names.rejectChain))]), to: Names.noEndpointMap)
            } else if let kind = spreadKind(service.algorithm) {
                let chain = Names.spreadChain(targets.count == 1 ? .random : kind, targets: targets.count)
                fragment.add(NFTElement(key, [.verdict(.goto(chain))]), to: Names.vipMap)
                for (slot, target) in targets.enumerated() {
                    fragment.add(NFTElement(key, [.address(target.ip), .port(target.port)]), to: Names.slotMap(slot))
                }
            } else {
                addAffinity(service, port, targets, key: key, to: &fragment)
            }
        }
        return fragment
    }

    /// `sourceHash`: a client with a live entry in a target's affinity set goes to that target;
    /// anyone else is sent to a random target, whose chain records the client with the
    /// service's timeout (refreshed on each new connection) and DNATs.
    static func addAffinity(_ service: ServiceVIP, _ port: Port, _ targets: [Target], key: [NFTValue], to fragment: inout RuleFragment) {
        let chain = Names.serviceChain(service.name, port)
        let seconds = max(1, service.affinityTimeout.components.seconds)
        let label = comment("\(service.name) \(port.proto.rawValue)/\(port.port) source affinity")
        var rules: [NFTRule] = []
        for target in targets {
            let targetChain = Names.targetChain(service.name, port, target)
            let affinity = Names.affinitySet(service.name, port, target)
            rules.append(NFTRule("ip saddr @\(affinity) goto \(targetChain)", comment: rules.isEmpty ? label : nil))
            fragment.sets.append(NFTSet(name: affinity, keyType: [.ipv4Address], flags: [.timeout]))
            fragment.chains.append(NFTChain(name: targetChain, rules: [
                NFTRule("update @\(affinity) { ip saddr timeout \(seconds)s }"),
                NFTRule("meta l4proto \(port.proto.rawValue) dnat to \(target)", comment: comment("\(service.name) \(port.proto.rawValue)/\(port.port) to \(target)")),
            ]))
        }
        if targets.count == 1 {
            rules.append(NFTRule("goto \(Names.targetChain(service.name, port, targets[0]))"))
        } else {
            let slots = targets.enumerated().map { "\($0.offset) : goto \(Names.targetChain(service.name, port, $0.element))" }.joined(separator: ", ")
            rules.append(NFTRule("numgen random mod \(targets.count) vmap { \(slots) }"))
        }
        fragment.chains.append(NFTChain(name: chain, rules: rules))
        fragment.add(NFTElement(key, [.verdict(.goto(chain))]), to: Names.vipMap)
    }

    static func proto(_ proto: TransportProtocol) -> NFTValue { proto == .tcp ? .tcp : .udp }

    /// A rule comment from free text: printable ASCII without quotes, cut to fit nft's limit.
    static func comment(_ text: String) -> String {
        let clean = String(String.UnicodeScalarView(text.unicodeScalars.map { s in
            (s.value >= 0x20 && s.value < 0x7f && s != "\"" && s != "\\") ? s : "?"
        }))
        return String(clean.prefix(NFTRule.maxCommentLength))
    }
}
