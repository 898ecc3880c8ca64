/// One entry of the change feed: what happened to one object at one change index.
///
/// `object` is the object's JSON as it was after the change (before it, for a delete), kept as
/// text so the feed is served without decoding and re-encoding every object.
public struct ChangeEvent: Sendable, Hashable {
    public var index: UInt64
    public var kind: ObjectKind
    public var name: String
    public var op: ChangeOp
    public var object: String

    public init(index: UInt64, kind: ObjectKind, name: String, op: ChangeOp, object: String) {
        self.index = index
        self.kind = kind
        self.name = name
        self.op = op
        self.object = object
    }
}

/// The load-balancer view of one service: where to send its traffic right now.
public struct ServiceTargets: Sendable, Hashable, Codable {
    public struct Target: Sendable, Hashable, Codable {
        public var container: String
        public var node: String
        public var ip: String?
        public var port: Int
        public var hostAddress: String
        public var hostPort: Int?

        public init(container: String, node: String, ip: String?, port: Int, hostAddress: String, hostPort: Int?) {
            self.container = container
            self.node = node
            self.ip = ip
            self.port = port
            self.hostAddress = hostAddress
            self.hostPort = hostPort
        }

        enum CodingKeys: String, CodingKey { case container, node, ip, port, hostAddress, hostPort }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(container, forKey: .container)
            try c.encode(node, forKey: .node)
            try c.encode(ip, forKey: .ip)
            try c.encode(port, forKey: .port)
            try c.encode(hostAddress, forKey: .hostAddress)
            try c.encode(hostPort, forKey: .hostPort)
        }
    }

    public var service: String
    public var vip: String?
    public var ports: [ServicePort]
    public var loadBalancer: LoadBalancer
    public var targets: [Target]
    public var healthy: Int

    public init(service: String, vip: String?, ports: [ServicePort], loadBalancer: LoadBalancer, targets: [Target]) {
        self.service = service
        self.vip = vip
        self.ports = ports
        self.loadBalancer = loadBalancer
        self.targets = targets
        self.healthy = targets.count
    }

    enum CodingKeys: String, CodingKey { case service, vip, ports, loadBalancer, targets, healthy }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(service, forKey: .service)
        try c.encode(vip, forKey: .vip)
        try c.encode(ports, forKey: .ports)
        try c.encode(loadBalancer, forKey: .loadBalancer)
        try c.encode(targets, forKey: .targets)
        try c.encode(healthy, forKey: .healthy)
    }
}
