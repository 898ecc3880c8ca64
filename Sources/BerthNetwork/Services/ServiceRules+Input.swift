import BerthCore

extension ServiceRules {
    /// Everything the service rules of one node are planned from. The lead's agent maps the API's
    /// services, targets and container list onto it; nothing here reads the kernel.
    public struct Input: Sendable, Hashable {
        public var services: [Service]
        /// The containers running on this node: policy is enforced here for these only, and each
        /// may reach itself through a VIP (hairpin).
        public var localContainers: [LocalContainer]

        public init(services: [Service] = [], localContainers: [LocalContainer] = []) {
            self.services = services
            self.localContainers = localContainers
        }
    }

    /// One service as the data plane needs it.
    public struct Service: Sendable, Hashable {
        public var name: String
        /// Nil for a service without a VIP: it has no VIP rules (its `ports` are ignored), and
        /// its ingress policy and members count all the same.
        public var vip: IPv4Address?
        public var ports: [Port]
        public var algorithm: Algorithm
        /// How long a client stays on its target after its last new connection (`sourceHash`
        /// only); Kubernetes' ClientIP affinity default, 3 hours.
        public var affinityTimeout: Duration
        /// Who may open connections to this service's containers. Empty: everyone (Kubernetes
        /// NetworkPolicy semantics: no rule is no policy); otherwise only what some rule allows.
        public var ingress: [IngressRule]
        /// Every running container of the service, healthy or not: the source addresses other
        /// services' rules admit when they name this service.
        public var members: [IPv4Address]
        /// Admits nobody, whatever `ingress` says: what an agent programs for a service whose
        /// rules it cannot read, so that they never read as fewer rules (fail closed).
        public var closed: Bool

        public static let defaultAffinityTimeout: Duration = .seconds(10800)

        public init(name: String, vip: IPv4Address?, ports: [Port], algorithm: Algorithm = .roundRobin,
                    affinityTimeout: Duration = Service.defaultAffinityTimeout, ingress: [IngressRule] = [], members: [IPv4Address] = [],
                    closed: Bool = false) {
            self.name = name
            self.vip = vip
            self.ports = ports
            self.algorithm = algorithm
            self.affinityTimeout = affinityTimeout
            self.ingress = ingress
            self.members = members
            self.closed = closed
        }

        /// Whether its containers on a node go through a policy chain.
        public var policed: Bool { closed || !ingress.isEmpty }
    }

    /// A port on the VIP and the healthy targets it spreads over.
    public struct Port: Sendable, Hashable {
        public var port: UInt16
        public var proto: TransportProtocol
        /// Healthy targets; order does not matter and duplicates count once.
        public var targets: [Target]

        public init(port: UInt16, proto: TransportProtocol = .tcp, targets: [Target]) {
            self.port = port
            self.proto = proto
            self.targets = targets
        }

        /// Targets that all listen on `targetPort`, the usual case.
        public init(port: UInt16, proto: TransportProtocol = .tcp, targetPort: UInt16, targetIPs: [IPv4Address]) {
            self.init(port: port, proto: proto, targets: targetIPs.map { Target(ip: $0, port: targetPort) })
        }
    }

    /// Where a connection to a VIP port is sent.
    public struct Target: Sendable, Hashable, Comparable, CustomStringConvertible {
        public var ip: IPv4Address
        public var port: UInt16

        public init(ip: IPv4Address, port: UInt16) {
            self.ip = ip
            self.port = port
        }

        public var description: String { "\(ip):\(port)" }

        public static func < (a: Target, b: Target) -> Bool { (a.ip, a.port) < (b.ip, b.port) }
    }

    /// How new connections are spread over a port's targets. nftables has no connection
    /// counts, so `leastConn` (which nginx and HAProxy honour in `berth lb`) is spread like
    /// `random` by the VIP.
    public enum Algorithm: String, Sendable, Hashable, CaseIterable {
        case roundRobin, random, leastConn, sourceHash
    }

    /// One ingress rule: connections from any of `from` to any of `ports` are allowed. An empty
    /// `from` means any source, an empty `ports` any port (as in Kubernetes).
    public struct IngressRule: Sendable, Hashable {
        public var from: [Source]
        /// Ports of the destination container (the target port, what the enforcing node sees
        /// after DNAT), as in Kubernetes.
        public var ports: [PolicyPort]

        public init(from: [Source], ports: [PolicyPort]) {
            self.from = from
            self.ports = ports
        }
    }

    public enum Source: Sendable, Hashable {
        /// The current members of a service; a service that does not exist (yet) admits nobody.
        case service(String)
        case cidr(CIDR)
    }

    public struct PolicyPort: Sendable, Hashable, Comparable {
        public var port: UInt16
        public var proto: TransportProtocol

        public init(port: UInt16, proto: TransportProtocol = .tcp) {
            self.port = port
            self.proto = proto
        }

        public static func < (a: PolicyPort, b: PolicyPort) -> Bool { (a.proto, a.port) < (b.proto, b.port) }
    }

    /// A container running on this node, and the service it belongs to (nil for one that
    /// belongs to none).
    public struct LocalContainer: Sendable, Hashable {
        public var ip: IPv4Address
        public var service: String?

        public init(ip: IPv4Address, service: String?) {
            self.ip = ip
            self.service = service
        }
    }
}
