import BerthCore

/// Input the service rules cannot be planned from, found before anything reaches the kernel.
public enum ServiceRulesError: Error, Sendable, Hashable, CustomStringConvertible {
    case invalid(String)

    public var description: String {
        switch self {
        case .invalid(let message): "invalid service rules input: \(message)"
        }
    }
}

extension ServiceRules.Input {
    /// Every map key must have one owner: service names, VIP ports and local container
    /// addresses are unique. Ports are never 0, and an affinity timeout is 1 s to 1 day
    /// (Kubernetes' range for ClientIP affinity). Sources naming unknown services are fine:
    /// the service may be created later, and until then it admits nobody.
    public func validate() throws(ServiceRulesError) {
        var names: Set<String> = []
        var vipPorts: Set<VIPPort> = []
        names.reserveCapacity(services.count)
        vipPorts.reserveCapacity(services.count)
        for (i, service) in services.enumerated() {
            let at = "services[\(i)] (\(service.name))"
            guard !service.name.isEmpty else { throw .invalid("services[\(i)]: name is empty") }
            guard names.insert(service.name).inserted else { throw .invalid("\(at): another service has the same name") }
            for port in service.ports {
                guard port.port != 0 else { throw .invalid("\(at): port 0") }
                guard vipPorts.insert(VIPPort(vip: service.vip, proto: port.proto, port: port.port)).inserted else {
                    throw .invalid("\(at): \(service.vip) \(port.proto.rawValue)/\(port.port) is already taken")
                }
                if let target = port.targets.first(where: { $0.port == 0 }) {
                    throw .invalid("\(at): target \(target.ip) of port \(port.port) has port 0")
                }
            }
            if service.algorithm == .sourceHash {
                let seconds = service.affinityTimeout.components.seconds
                guard (1...86400).contains(seconds) else { throw .invalid("\(at): affinityTimeout must be 1 s to 86400 s, got \(service.affinityTimeout)") }
            }
            for (r, rule) in service.ingress.enumerated() where rule.ports.contains(where: { $0.port == 0 }) {
                throw .invalid("\(at): ingress[\(r)] has port 0")
            }
        }
        var addresses: Set<IPv4Address> = []
        for container in localContainers {
            guard addresses.insert(container.ip).inserted else { throw .invalid("localContainers: \(container.ip) appears twice") }
        }
    }

    private struct VIPPort: Hashable {
        var vip: IPv4Address
        var proto: TransportProtocol
        var port: UInt16
    }
}
