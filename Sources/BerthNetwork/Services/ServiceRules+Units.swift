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
        var vip: IPv4Address
        var ports: [Port]
        var algorithm: Algorithm
        var affinityTimeout: Duration

        init(_ s: Service) {
            name = s.name
            vip = s.vip
            ports = s.ports
            algorithm = s.algorithm
            affinityTimeout = s.affinityTimeout
        }
    }

    /// Every unit the input needs, with its input. One pass over services and containers, with
    /// no strings built: this runs on every update, for all 10,000 services.
    static func unitInputs(_ input: Input) -> [RuleUnit: UnitInput] {
        var units: [RuleUnit: UnitInput] = [.base: .base]
        units.reserveCapacity(input.services.count + input.localContainers.count + 16)
        var spreads: Set<SpreadKey> = []
        var slots = 0
        var policed: [String: [IngressRule]] = [:]
        var index: [String: Int] = [:]
        index.reserveCapacity(input.services.count)
        for (i, service) in input.services.enumerated() {
            units[.service(service.name)] = .service(ServiceVIP(service))
            index[service.name] = i
            if !service.ingress.isEmpty { policed[service.name] = service.ingress }
            guard let kind = spreadKind(service.algorithm) else { continue }
            for port in service.ports {
                let n = distinctCount(port.targets)
                guard n > 0 else { continue }
                spreads.insert(SpreadKey(kind: n == 1 ? .random : kind, targets: n))
                slots = max(slots, n)
            }
        }
        for spread in spreads { units[.spread(spread.kind, spread.targets)] = .spread(spread.kind, spread.targets) }
        for slot in 0..<slots { units[.slot(slot)] = .slot(slot) }

        var localPoliced: Set<String> = []
        for container in input.localContainers {
            let policy = container.service.flatMap { policed[$0] == nil ? nil : $0 }
            units[.container(container.ip)] = .container(container.ip, policy: policy)
            if let policy { localPoliced.insert(policy) }
        }
        var referenced: Set<String> = []
        for name in localPoliced {
            let rules = policed[name]!
            units[.policy(name)] = .policy(name, rules)
            for rule in rules {
                for case .service(let source) in rule.from { referenced.insert(source) }
            }
        }
        for name in referenced {
            let members = index[name].map { Array(Set(input.services[$0].members)).sorted() } ?? []
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
