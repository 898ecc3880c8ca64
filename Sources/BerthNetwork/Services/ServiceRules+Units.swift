import BerthCore

extension ServiceRules {
    /// One independently planned piece of the rules. Each owns its chains and sets outright and
    /// the map elements it contributes (every element key has one owner), so the table is the
    /// union of the units' fragments, and an update re-plans and diffs only the units whose
    /// input changed.
    enum RuleUnit: Sendable, Hashable {
        /// The base chains and the shared maps (`svc-ips`, `svc-noep`, `svc-self`, `pol-dests`).
        case base
        /// `svc-random-N` / `svc-rr-N`, while some service port has that algorithm and N targets.
        case spread(SpreadKind, Int)
        /// `svc-slot-i` and its map `svc-ep-i`, while some service port has more than i targets.
        case slot(Int)
        /// A service's VIP elements (and, for `sourceHash`, its chains and affinity sets).
        case service(String)
        /// A local container's `svc-self` element and, if policed, its `pol-dests` element.
        case container(IPv4Address)
        /// `pol-<hash>`: the ingress chain of a service with rules and a container on this node.
        case policy(String)
        /// `pol-src-<hash>`: the members of a service some local policy names as a source.
        case sources(String)
    }

    /// What a unit's fragment is computed from: equal inputs give equal fragments.
    enum UnitInput: Sendable, Hashable {
        case base
        case spread(SpreadKind, Int)
        case slot(Int)
        case service(ServiceVIP)
        case container(IPv4Address, policy: String?)
        case policy(String, [IngressRule])
        case sources(String, [IPv4Address])
    }

    /// The part of a service its VIP rules depend on (not its ingress rules or members, so a
    /// replica starting elsewhere changes the source sets, not the VIP elements).
    struct ServiceVIP: Sendable, Hashable {
        var name: String
        var vip: IPv4Address?
        /// None without a VIP.
        var ports: [Port]
        var algorithm: Algorithm
        var affinityTimeout: Duration

        init(_ s: Service) {
            name = s.name
            vip = s.vip
            ports = s.vip == nil ? [] : s.ports
            algorithm = s.algorithm
            affinityTimeout = s.affinityTimeout
        }
    }

    /// Every unit the input needs, with its input, checking the input on the way (see
    /// `Input.validate()`). One pass over the services that builds no strings unless something
    /// is wrong, then the few node-wide units.
    static func unitInputs(_ input: Input) throws(ServiceRulesError) -> [RuleUnit: UnitInput] {
        try derive(input).units
    }

    /// `unitInputs(_:)` with the totals and the node-wide units it was built from.
    static func derive(_ input: Input) throws(ServiceRulesError) -> (units: [RuleUnit: UnitInput], totals: ServiceTotals, node: [RuleUnit: UnitInput]) {
        var totals = ServiceTotals()
        var units: [RuleUnit: UnitInput] = [:]
        units.reserveCapacity(input.services.count + input.localContainers.count + 16)
        for (i, service) in input.services.enumerated() {
            try totals.add(service, at: i)
            units[.service(service.name)] = .service(ServiceVIP(service))
        }
        let node = try nodeUnits(input, totals)
        units.merge(node) { $1 }
        return (units, totals, node)
    }

    /// The units that depend on many services at once: the base, the spreading chains and slots
    /// in use, and what the local containers need (their elements, the policy chains of their
    /// services and the source sets those name). Their number is bounded by the largest target
    /// count and by what runs on this node, not by the number of services.
    static func nodeUnits(_ input: Input, _ totals: ServiceTotals) throws(ServiceRulesError) -> [RuleUnit: UnitInput] {
        var units: [RuleUnit: UnitInput] = [.base: .base]
        for spread in totals.spreads.keys { units[.spread(spread.kind, spread.targets)] = .spread(spread.kind, spread.targets) }
        for slot in 0..<totals.slots { units[.slot(slot)] = .slot(slot) }
        var localPoliced: Set<String> = []
        for container in input.localContainers {
            let policy = container.service.flatMap { totals.policed[$0] == nil ? nil : $0 }
            guard units.updateValue(.container(container.ip, policy: policy), forKey: .container(container.ip)) == nil else {
                throw .invalid("localContainers: \(container.ip) appears twice")
            }
            if let policy { localPoliced.insert(policy) }
        }
        var referenced: Set<String> = []
        for name in localPoliced {
            let rules = totals.policed[name]!
            units[.policy(name)] = .policy(name, rules)
            for rule in rules {
                for case .service(let source) in rule.from { referenced.insert(source) }
            }
        }
        for name in referenced {
            let members = totals.positions[name].map { Array(Set(input.services[$0].members)).sorted() } ?? []
            units[.sources(name)] = .sources(name, members)
        }
        return units
    }

    /// The fragment of one unit.
    static func fragment(_ input: UnitInput) -> RuleFragment {
        switch input {
        case .base: baseFragment()
        case .spread(let kind, let n): spreadFragment(kind, targets: n)
        case .slot(let slot): slotFragment(slot)
        case .service(let service): serviceFragment(service)
        case .container(let ip, let policy): containerFragment(ip, policy: policy)
        case .policy(let name, let rules): policyFragment(name, rules)
        case .sources(let name, let members): sourcesFragment(name, members)
        }
    }

    struct SpreadKey: Hashable {
        var kind: SpreadKind
        var targets: Int
    }

    /// The spreading chain kind, or nil for `sourceHash` (which has chains of its own).
    static func spreadKind(_ algorithm: Algorithm) -> SpreadKind? {
        switch algorithm {
        case .roundRobin: .roundRobin
        case .random, .leastConn: .random
        case .sourceHash: nil
        }
    }

    /// Targets counted once each, without allocating when they come sorted (the usual case).
    static func distinctCount(_ targets: [Target]) -> Int {
        guard targets.count > 1 else { return targets.count }
        var sorted = true
        for i in 1..<targets.count where !(targets[i - 1] < targets[i]) { sorted = false; break }
        return sorted ? targets.count : Set(targets).count
    }

    /// Targets in the order slots and chains number them.
    static func distinctSorted(_ targets: [Target]) -> [Target] {
        Array(Set(targets)).sorted()
    }
}
