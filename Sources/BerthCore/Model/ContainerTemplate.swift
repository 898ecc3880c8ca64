/// When an exited container is replaced.
public enum RestartPolicy: String, Sendable, Codable, CaseIterable, Defaultable {
    case always
    case onFailure = "on-failure"
    case never

    public static var defaultValue: RestartPolicy { .always }
}

/// A port a container listens on, named so load balancers and `hostPorts` can refer to it.
public struct ContainerPort: Sendable, Hashable, Codable, StrictDecodable {
    public var name: String
    public var containerPort: Int
    @Defaulted public var `protocol`: PortProtocol
    /// A fixed port on the node, bound by one container per node; nil lets the agent pick one.
    public var hostPort: Int?

    public init(name: String, containerPort: Int, protocol: PortProtocol = .tcp, hostPort: Int? = nil) {
        self.name = name
        self.containerPort = containerPort
        self.protocol = `protocol`
        self.hostPort = hostPort
    }
}

public enum PortProtocol: String, Sendable, Codable, CaseIterable, Defaultable {
    case tcp
    case udp

    public static var defaultValue: PortProtocol { .tcp }
}

/// An HTTP probe the agent runs against the container's first host port.
public struct HealthCheck: Sendable, Hashable, Codable, StrictDecodable {
    public var http: String
    @Default<FiveSeconds> @DurationString public var interval: Duration
    @Default<TwoSeconds> @DurationString public var timeout: Duration

    public init(http: String, interval: Duration = .seconds(5), timeout: Duration = .seconds(2)) {
        self.http = http
        self.interval = interval
        self.timeout = timeout
    }

    public enum FiveSeconds: DefaultProvider { public static var value: DurationString { DurationString(wrappedValue: .seconds(5)) } }
    public enum TwoSeconds: DefaultProvider { public static var value: DurationString { DurationString(wrappedValue: .seconds(2)) } }

    func validate(field: String) throws(BerthError) {
        guard http.hasPrefix("/"), http.utf8.count <= 1024 else {
            throw .invalidArgument(field: "\(field).http", message: "must be a path starting with \"/\"")
        }
        for (name, value) in [("interval", interval), ("timeout", timeout)] {
            guard value >= .milliseconds(100), value <= .seconds(3600) else {
                throw .invalidArgument(field: "\(field).\(name)", message: "must be a duration from 100ms to 1h, like \"5s\"")
            }
        }
    }
}

/// What to run: shared by a standalone container and every replica of a service.
public struct ContainerTemplate: Sendable, Hashable, Codable, StrictDecodable {
    public var image: String
    @Defaulted public var command: [String]
    @Defaulted public var env: [String: String]
    @Default<DefaultResources> public var resources: Resources
    @Defaulted public var ports: [ContainerPort]
    @NullWhenAbsent public var healthCheck: HealthCheck?
    @Defaulted public var restartPolicy: RestartPolicy
    /// What the container may do to its node; nil is Docker's defaults (see `SecurityContext`).
    /// Written only when given (a plain optional): templates stored before it existed render as
    /// they always did.
    public var securityContext: SecurityContext?

    public static let defaultResources = Resources(cpu: 100, memory: 64)
    public enum DefaultResources: DefaultProvider { public static var value: Resources { ContainerTemplate.defaultResources } }

    /// The fixed host ports the template binds (those with a `hostPort`).
    public var staticHostPorts: [Int] { ports.compactMap(\.hostPort) }

    public init(
        image: String, command: [String] = [], env: [String: String] = [:],
        resources: Resources = ContainerTemplate.defaultResources, ports: [ContainerPort] = [],
        healthCheck: HealthCheck? = nil, restartPolicy: RestartPolicy = .always, securityContext: SecurityContext? = nil
    ) {
        self.image = image
        self.command = command
        self.env = env
        self.resources = resources
        self.ports = ports
        self.healthCheck = healthCheck
        self.restartPolicy = restartPolicy
        self.securityContext = securityContext
    }

    /// Whether `key` is one of the template's fields: a standalone container's body carries
    /// them inline beside its own (`ContainerSpec`), and refuses any other.
    static func declares(_ key: String) -> Bool { CodingKeys(stringValue: key) != nil }

    /// `prefix` is where the fields sit in the request (`template.` for a service, empty inline).
    public func validate(prefix: String) throws(BerthError) {
        try Rules.length(image, 1...512, field: prefix + "image")
        try Rules.count(command.count, max: 256, field: prefix + "command")
        for (i, arg) in command.enumerated() {
            try Rules.length(arg, 0...4096, field: "\(prefix)command[\(i)]")
        }
        try Rules.count(env.count, max: 128, field: prefix + "env")
        for (key, value) in env.sorted(by: { $0.key < $1.key }) {
            guard !key.isEmpty, key.utf8.count <= 256, !key.contains("="),
                  key.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "_") })
            else {
                throw .invalidArgument(field: "\(prefix)env.\(key.prefix(80))", message: "variable names are letters, digits and '_'")
            }
            try Rules.length(value, 0...32768, field: "\(prefix)env.\(key)")
        }
        try Rules.range(resources.cpu, 0...Resources.maxCPU, field: prefix + "resources.cpu")
        try Rules.range(resources.memory, 0...Resources.maxMemory, field: prefix + "resources.memory")
        try Rules.count(ports.count, max: 64, field: prefix + "ports")
        var names = Set<String>()
        for (i, port) in ports.enumerated() {
            try Rules.name(port.name, field: "\(prefix)ports[\(i)].name")
            try Rules.range(port.containerPort, 1...65535, field: "\(prefix)ports[\(i)].containerPort")
            if let hostPort = port.hostPort { try Rules.range(hostPort, 1...65535, field: "\(prefix)ports[\(i)].hostPort") }
            guard names.insert(port.name).inserted else {
                throw .invalidArgument(field: "\(prefix)ports[\(i)].name", message: "\"\(port.name)\" is used twice")
            }
        }
        try healthCheck?.validate(field: prefix + "healthCheck")
        if healthCheck != nil, ports.isEmpty {
            throw .invalidArgument(field: prefix + "healthCheck", message: "needs a declared port to probe")
        }
        try securityContext?.validate(field: prefix + "securityContext")
    }
}
