import BerthCore
import BerthNetwork

/// A service as the node's data plane reads it: the `target` object of the API (one per
/// service: VIP, ports, algorithm, healthy targets, ingress rules and members), decoded into a
/// view of its own so the agent depends on the fields it uses only.
struct ServiceView: Sendable, Hashable, Decodable {
    struct Port: Sendable, Hashable, Decodable {
        var port: Int
        var targetPort: Int
        var `protocol`: String?
    }

    struct LoadBalancer: Sendable, Hashable, Decodable {
        var algorithm: String
        /// How long `sourceHash` keeps a client on its target, as duration text.
        var affinityTimeout: String?
    }

    struct Target: Sendable, Hashable, Decodable {
        var ip: String?
        var port: Int
    }

    struct Member: Sendable, Hashable, Decodable {
        var ip: String?
    }

    struct Rule: Sendable, Hashable, Decodable {
        struct Source: Sendable, Hashable, Decodable {
            var service: String?
            var cidr: String?
        }

        struct PolicyPort: Sendable, Hashable, Decodable {
            var port: Int
            var `protocol`: String?
        }

        var from: [Source]?
        var ports: [PolicyPort]?
    }

    var service: String
    var vip: String?
    var ports: [Port]
    var loadBalancer: LoadBalancer
    var targets: [Target]
    var ingress: [Rule]?
    var members: [Member]?
}

/// A container running on this node, as policy sees it: its address and its service.
struct LocalContainer: Sendable, Hashable {
    var ip: IPv4Address
    var service: String?
}

/// The proxy's input from what the server says of every service and what runs here: a pure
/// mapping, so what the kernel gets is a function of the API's answers.
enum ServiceInput {
    static func make(_ services: some Sequence<ServiceView>, local: some Sequence<LocalContainer>) -> ServiceRules.Input {
        var out: [ServiceRules.Service] = []
        for view in services.sorted(by: { $0.service < $1.service }) {
            guard let vip = view.vip.flatMap(IPv4Address.init) else { continue }
            let ports = view.ports.compactMap { port -> ServiceRules.Port? in
                guard let number = UInt16(exactly: port.port) else { return nil }
                let targets = view.targets.compactMap { target -> ServiceRules.Target? in
                    guard target.port == port.targetPort, let ip = target.ip.flatMap(IPv4Address.init), let targetPort = UInt16(exactly: target.port) else { return nil }
                    return ServiceRules.Target(ip: ip, port: targetPort)
                }
                return ServiceRules.Port(port: number, proto: proto(port.protocol), targets: Array(Set(targets)).sorted())
            }
            let algorithm = ServiceRules.Algorithm(rawValue: view.loadBalancer.algorithm) ?? .random
            let affinity = view.loadBalancer.affinityTimeout.flatMap { DurationText.parse($0) } ?? ServiceRules.Service.defaultAffinityTimeout
            out.append(ServiceRules.Service(
                name: view.service, vip: vip, ports: ports, algorithm: algorithm, affinityTimeout: affinity,
                ingress: (view.ingress ?? []).map(rule), members: Array(Set((view.members ?? []).compactMap { $0.ip.flatMap(IPv4Address.init) })).sorted()
            ))
        }
        let containers = Set(local).sorted { $0.ip < $1.ip }.map { ServiceRules.LocalContainer(ip: $0.ip, service: $0.service) }
        return ServiceRules.Input(services: out, localContainers: containers)
    }

    private static func rule(_ rule: ServiceView.Rule) -> ServiceRules.IngressRule {
        let sources = (rule.from ?? []).compactMap { source -> ServiceRules.Source? in
            if let service = source.service { return .service(service) }
            return source.cidr.flatMap(CIDR.init).map { .cidr($0) }
        }
        let ports = (rule.ports ?? []).compactMap { port in
            UInt16(exactly: port.port).map { ServiceRules.PolicyPort(port: $0, proto: proto(port.protocol)) }
        }
        return ServiceRules.IngressRule(from: sources, ports: ports)
    }

    private static func proto(_ text: String?) -> TransportProtocol { text == "udp" ? .udp : .tcp }
}
