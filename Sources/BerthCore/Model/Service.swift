/// Replicated services keep a count; global ones keep one container on every eligible node.
public enum ServiceMode: String, Sendable, Codable, CaseIterable, Defaultable {
    case replicated
    case global

    public static var defaultValue: ServiceMode { .replicated }
}

/// A port the service exposes on its VIP, forwarded to a container port.
public struct ServicePort: Sendable, Hashable, Codable, StrictDecodable {
    public var name: String?
    public var port: Int
    public var targetPort: Int
    @Defaulted public var `protocol`: PortProtocol

    public init(name: String? = nil, port: Int, targetPort: Int, protocol: PortProtocol = .tcp) {
        self.name = name
        self.port = port
        self.targetPort = targetPort
        self.protocol = `protocol`
    }
}

/// How clients find a service's replicas by name (Docker Swarm's `--endpoint-mode`): `vip`, the
/// service's name resolves to its one virtual IP and the data plane balances behind it; `dnsrr`,
/// it resolves to the IPs of the healthy replicas themselves, rotated, for clients that balance
/// on their own (or protocols a VIP cannot carry).
public enum EndpointMode: String, Sendable, Codable, CaseIterable, Defaultable {
    case vip
    case dnsrr

    public static var defaultValue: EndpointMode { .vip }
}

public enum UpdateOrder: String, Sendable, Codable, CaseIterable, Defaultable {
    case stopFirst = "stop-first"
    case startFirst = "start-first"

    public static var defaultValue: UpdateOrder { .stopFirst }
}

/// How a template change rolls out, as `docker service update --update-*`.
public struct UpdateConfig: Sendable, Hashable, Codable, StrictDecodable, Defaultable {
    @Default<One> public var parallelism: Int
    @Defaulted public var order: UpdateOrder
    /// How long to wait after a batch's replicas started before the next batch.
    @Defaulted @DurationString public var delay: Duration

    public init(parallelism: Int = 1, order: UpdateOrder = .stopFirst, delay: Duration = .zero) {
        self.parallelism = parallelism
        self.order = order
        self.delay = delay
    }

    public static var defaultValue: UpdateConfig { UpdateConfig() }
}

/// What a user asks of a service (`PUT /v1/services/{name}`), with defaults filled in.
///
/// Strict as a request; inside a `Service` (a response, which carries the server's fields
/// beside the spec's) it is read leniently. Either way an absent field takes its default
/// (servers older than a field do not send it).
public struct ServiceSpec: Sendable, Hashable, Codable, StrictDecodable {
    @Defaulted public var mode: ServiceMode
    @Default<One> public var replicas: Int
    public var template: ContainerTemplate
    @Defaulted public var constraints: [Constraint]
    @Defaulted public var placement: Placement
    @Defaulted public var ports: [ServicePort]
    @Defaulted public var loadBalancer: LoadBalancer
    @Defaulted public var update: UpdateConfig
    /// The service's own labels: shown back, and what discovery hands on (Consul tags, see
    /// `ServiceLabels`; Prometheus target labels). Keys follow the node label rule; values are
    /// wider (see `ServiceLabels.validate`).
    @Defaulted public var labels: [String: String]
    /// Who may open connections to the service's containers; empty: anyone (`IngressRule`).
    @Defaulted public var ingress: [IngressRule]
    /// What the service's DNS name answers (see `EndpointMode`).
    @Defaulted public var endpointMode: EndpointMode

    public init(
        mode: ServiceMode = .replicated, replicas: Int = 1, template: ContainerTemplate, constraints: [Constraint] = [],
        placement: Placement = Placement(), ports: [ServicePort] = [], loadBalancer: LoadBalancer = LoadBalancer(),
        update: UpdateConfig = UpdateConfig(), labels: [String: String] = [:], ingress: [IngressRule] = [],
        endpointMode: EndpointMode = .vip
    ) {
        self.mode = mode
        self.replicas = replicas
        self.template = template
        self.constraints = constraints
        self.placement = placement
        self.ports = ports
        self.loadBalancer = loadBalancer
        self.update = update
        self.labels = labels
        self.ingress = ingress
        self.endpointMode = endpointMode
    }

    public func validate() throws(BerthError) {
        try Rules.range(replicas, 0...100_000, field: "replicas")
        try template.validate(prefix: "template.")
        try Constraints.validate(constraints)
        try placement.validate(field: "placement")
        try Rules.count(ports.count, max: 64, field: "ports")
        for (i, port) in ports.enumerated() {
            if let name = port.name { try Rules.name(name, field: "ports[\(i)].name") }
            try Rules.range(port.port, 1...65535, field: "ports[\(i)].port")
            try Rules.range(port.targetPort, 1...65535, field: "ports[\(i)].targetPort")
        }
        try loadBalancer.validate()
        try Rules.range(update.parallelism, 1...1000, field: "update.parallelism")
        try ServiceLabels.validate(labels)
        try IngressRule.validate(ingress)
    }
}

/// A service as stored: the spec plus what the server owns.
public struct Service: Sendable, Hashable, Codable {
    public var name: String
    public var spec: ServiceSpec
    public var vip: String?
    public var runningReplicas: Int
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(name: String, spec: ServiceSpec, vip: String? = nil, runningReplicas: Int = 0, createIndex: UInt64 = 0, modifyIndex: UInt64 = 0) {
        self.name = name
        self.spec = spec
        self.vip = vip
        self.runningReplicas = runningReplicas
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    enum CodingKeys: String, CodingKey { case name, vip, runningReplicas, createIndex, modifyIndex }

    /// By hand: the spec's fields sit inline, read leniently (a plain decoder, not `StrictDecoder`).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        spec = try ServiceSpec(from: decoder)
        vip = try c.decodeIfPresent(String.self, forKey: .vip)
        runningReplicas = try c.decode(Int.self, forKey: .runningReplicas)
        createIndex = try c.decode(UInt64.self, forKey: .createIndex)
        modifyIndex = try c.decode(UInt64.self, forKey: .modifyIndex)
    }

    /// The spec's fields inline, with the server's beside them, as clients of Swarm expect.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try spec.encode(to: encoder)
        try c.encode(vip, forKey: .vip)
        try c.encode(runningReplicas, forKey: .runningReplicas)
        try c.encode(createIndex, forKey: .createIndex)
        try c.encode(modifyIndex, forKey: .modifyIndex)
    }
}
