import BerthCore
import BerthNetwork

/// The proxy's input from what the server says of every service and what runs here: a pure
/// mapping, so what the kernel gets is a function of the API's answers.
enum ServiceInput {
    /// A service's rules that cannot be programmed as the server gave them.
    struct Unprogrammable: Error, Sendable, Hashable, CustomStringConvertible {
        var description: String
    }

    /// One service's rules from its document. A value the rules cannot hold exactly (a port
    /// outside 1…65535, an affinity timeout outside 1 s…1 day) throws rather than being left
    /// out: an ingress rule that lost its ports or sources would admit more. A VIP or member
    /// address that does not read is left out (no VIP rules; one source fewer).
    static func service(_ document: ServiceTargets) throws(Unprogrammable) -> ServiceRules.Service {
        let vip = document.vip.flatMap(IPv4Address.init)
        var ports: [ServiceRules.Port] = []
        for port in document.ports {
            let number = try portNumber(port.port, "port")
            _ = try portNumber(port.targetPort, "port \(port.port)'s targetPort")
            let targets = document.targets.compactMap { target -> ServiceRules.Target? in
                guard target.port == port.targetPort, let ip = target.ip.flatMap(IPv4Address.init), let targetPort = UInt16(exactly: target.port) else { return nil }
                return ServiceRules.Target(ip: ip, port: targetPort)
            }
            ports.append(ServiceRules.Port(port: number, proto: proto(port.protocol), targets: Array(Set(targets)).sorted()))
        }
        guard let algorithm = ServiceRules.Algorithm(rawValue: document.loadBalancer.algorithm.rawValue) else {
            throw Unprogrammable(description: "loadBalancer.algorithm \(document.loadBalancer.algorithm.rawValue) is not one the node knows")
        }
        let affinity = document.loadBalancer.affinityTimeout
        if algorithm == .sourceHash, !LoadBalancer.affinityTimeoutRange.contains(affinity) {
            throw Unprogrammable(description: "loadBalancer.affinityTimeout \(affinity) is outside 1 s…1 day")
        }
        var ingress: [ServiceRules.IngressRule] = []
        for (i, rule) in document.ingress.enumerated() {
            let sources = rule.from.map { source -> ServiceRules.Source in
                switch source {
                case .service(let name): .service(name)
                case .cidr(let network): .cidr(network)
                }
            }
            var policyPorts: [ServiceRules.PolicyPort] = []
            for port in rule.ports { policyPorts.append(ServiceRules.PolicyPort(port: try portNumber(port.port, "ingress[\(i)] port"), proto: proto(port.protocol))) }
            ingress.append(ServiceRules.IngressRule(from: sources, ports: policyPorts))
        }
        let members = Set((document.members ?? []).compactMap { IPv4Address($0.ip) }).sorted()
        return ServiceRules.Service(
            name: document.service, vip: vip, ports: ports, algorithm: algorithm, affinityTimeout: affinity, ingress: ingress, members: members
        )
    }

    /// The rules programmed for a service the agent cannot read and had no earlier rules of:
    /// no VIP, and a policy that admits nobody to its containers here.
    static func closed(_ name: String) -> ServiceRules.Service {
        ServiceRules.Service(name: name, vip: nil, ports: [], closed: true)
    }

    static func make(_ services: some Sequence<ServiceRules.Service>, local: some Sequence<LocalContainer>) -> ServiceRules.Input {
        let containers = Set(local).sorted { $0.ip < $1.ip }.map { ServiceRules.LocalContainer(ip: $0.ip, service: $0.service) }
        return ServiceRules.Input(services: services.sorted { $0.name < $1.name }, localContainers: containers)
    }

    private static func portNumber(_ value: Int, _ what: String) throws(Unprogrammable) -> UInt16 {
        guard let number = UInt16(exactly: value), number != 0 else { throw Unprogrammable(description: "\(what) \(value) is outside 1…65535") }
        return number
    }

    private static func proto(_ value: PortProtocol) -> TransportProtocol { value == .udp ? .udp : .tcp }
}
