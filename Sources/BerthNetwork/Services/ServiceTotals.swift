import BerthCore

extension ServiceRules {
    /// What the services add up to, beyond their own units: the spreading chains and slots in
    /// use, the policed services, the owner of every VIP port and name. Built by adding services
    /// one by one (which checks each against the rest), and kept by `RulePlan` across updates so
    /// that an update changing a few services adjusts it in O(changes), not O(services).
    struct ServiceTotals: Sendable {
        /// Ports spread by each spreading chain.
        private(set) var spreads: [SpreadKey: Int] = [:]
        /// Spread ports by target count: slots 0..<largest key are in use.
        private(set) var targetCounts: [Int: Int] = [:]
        private(set) var policed: [String: [IngressRule]] = [:]
        /// Where each service is in the input, by name.
        private(set) var positions: [String: Int] = [:]
        private var vipPorts: [VIPPort: Int] = [:]

        var slots: Int { targetCounts.keys.max() ?? 0 }

        /// Adds the service at position `i`, or throws without changing anything.
        mutating func add(_ service: Service, at i: Int) throws(ServiceRulesError) {
            guard !service.name.isEmpty else { throw .invalid("services[\(i)]: name is empty") }
            guard positions[service.name] == nil else { throw .invalid("\(location(i, service)): another service has the same name") }
            try Self.check(service, i)
            for (n, port) in Self.vipPorts(service).enumerated() {
                let key = VIPPort(vip: port.vip, proto: port.proto, port: port.port)
                if vipPorts[key] != nil || service.ports[..<n].contains(where: { $0.port == port.port && $0.proto == port.proto }) {
                    throw .invalid("\(location(i, service)): \(port.vip) \(port.proto.rawValue)/\(port.port) is already taken")
                }
            }
            positions[service.name] = i
            for port in Self.vipPorts(service) { vipPorts[VIPPort(vip: port.vip, proto: port.proto, port: port.port)] = i }
            if service.policed { policed[service.name] = service.closed ? [] : service.ingress }
            count(service, +1)
        }

        /// Takes out the service added at position `i`.
        mutating func remove(_ service: Service, at i: Int) {
            guard positions[service.name] == i else { return }
            positions[service.name] = nil
            for port in Self.vipPorts(service) {
                let key = VIPPort(vip: port.vip, proto: port.proto, port: port.port)
                if vipPorts[key] == i { vipPorts[key] = nil }
            }
            policed[service.name] = nil
            count(service, -1)
        }

        /// The service's ports with its VIP; none without a VIP.
        static func vipPorts(_ service: Service) -> [VIPPort] {
            guard let vip = service.vip else { return [] }
            return service.ports.map { VIPPort(vip: vip, proto: $0.proto, port: $0.port) }
        }

        private mutating func count(_ service: Service, _ delta: Int) {
            guard service.vip != nil, let kind = spreadKind(service.algorithm) else { return }
            for port in service.ports {
                let n = distinctCount(port.targets)
                guard n > 0 else { continue }
                let key = SpreadKey(kind: n == 1 ? .random : kind, targets: n)
                spreads[key, default: 0] += delta
                if spreads[key] == 0 { spreads[key] = nil }
                targetCounts[n, default: 0] += delta
                if targetCounts[n] == 0 { targetCounts[n] = nil }
            }
        }

        /// A service's own checks (its name and VIP ports are checked against the others in `add`).
        static func check(_ service: Service, _ i: Int) throws(ServiceRulesError) {
            for port in service.ports {
                guard port.port != 0 else { throw .invalid("\(location(i, service)): port 0") }
                if let target = port.targets.first(where: { $0.port == 0 }) {
                    throw .invalid("\(location(i, service)): target \(target.ip) of port \(port.port) has port 0")
                }
            }
            if service.algorithm == .sourceHash, !(1...86400).contains(service.affinityTimeout.components.seconds) {
                throw .invalid("\(location(i, service)): affinityTimeout must be 1 s to 86400 s, got \(service.affinityTimeout)")
            }
            for (r, rule) in service.ingress.enumerated() where rule.ports.contains(where: { $0.port == 0 }) {
                throw .invalid("\(location(i, service)): ingress[\(r)] has port 0")
            }
        }
    }

    struct VIPPort: Hashable {
        var vip: IPv4Address
        var proto: TransportProtocol
        var port: UInt16
    }

    static func location(_ i: Int, _ service: Service) -> String { "services[\(i)] (\(service.name))" }
}
