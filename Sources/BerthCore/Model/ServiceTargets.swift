/// The data-plane view of one service (`GET /v1/services/{name}/targets` and the `target`
/// event): where to send its traffic right now, and what a node needs to enforce network
/// policy without a second watch — the service's own ingress rules, and, when some service's
/// rules name this one, its members: the source addresses those rules admit.
public struct ServiceTargets: Sendable, Hashable, Codable {
    /// One healthy running container, for one service port.
    public struct Target: Sendable, Hashable, Codable {
        public var container: String
        public var node: String
        @NullWhenAbsent public var ip: String?
        public var port: Int
        public var hostAddress: String
        @NullWhenAbsent public var hostPort: Int?

        public init(container: String, node: String, ip: String?, port: Int, hostAddress: String, hostPort: Int?) {
            self.container = container
            self.node = node
            self.ip = ip
            self.port = port
            self.hostAddress = hostAddress
            self.hostPort = hostPort
        }
    }

    /// A running container of the service with an address, healthy or not: network policy, as
    /// in Kubernetes, admits a source by what it is, not by whether it passes its health check.
    public struct Member: Sendable, Hashable, Codable {
        public var container: String
        public var ip: String
        public var node: String

        public init(container: String, ip: String, node: String) {
            self.container = container
            self.ip = ip
            self.node = node
        }
    }

    public var service: String
    @NullWhenAbsent public var vip: String?
    public var ports: [ServicePort]
    public var loadBalancer: LoadBalancer
    public var ingress: [IngressRule]
    public var targets: [Target]
    public var healthy: Int
    /// Nil when no service's rules name this one: nobody needs them, and keeping them current
    /// would log the whole list for every replica that starts or stops.
    @NullWhenAbsent public var members: [Member]?

    public init(service: String, vip: String?, ports: [ServicePort], loadBalancer: LoadBalancer, ingress: [IngressRule] = [],
                targets: [Target], members: [Member]? = nil) {
        self.service = service
        self.vip = vip
        self.ports = ports
        self.loadBalancer = loadBalancer
        self.ingress = ingress
        self.targets = targets
        self.healthy = targets.count
        self.members = members
    }

    enum CodingKeys: String, CodingKey { case service, vip, ports, loadBalancer, ingress, targets, healthy, members }

    /// By hand: `healthy` absent (older servers) is the target count, not a constant.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        service = try c.decode(String.self, forKey: .service)
        vip = try c.decodeIfPresent(String.self, forKey: .vip)
        ports = try c.decode([ServicePort].self, forKey: .ports)
        loadBalancer = try c.decode(LoadBalancer.self, forKey: .loadBalancer)
        targets = try c.decode([Target].self, forKey: .targets)
        healthy = try c.decodeIfPresent(Int.self, forKey: .healthy) ?? targets.count
        // Absent from servers older than network policy.
        ingress = try c.decodeIfPresent([IngressRule].self, forKey: .ingress) ?? []
        members = try c.decodeIfPresent([Member].self, forKey: .members)
    }
}
