/// One ingress rule of a service, with Kubernetes NetworkPolicy semantics: a service without
/// rules accepts new connections from anyone; once it has one, its containers accept them only
/// from a source some rule lists, on a port that rule lists, and rules add up.
///
/// Sources and ports are parsed as the request is decoded (a malformed CIDR or a source that
/// names both or neither of `service` and `cidr` is a 400 naming the field), so every later
/// reader, the agents included, gets typed values.
public struct IngressRule: Sendable, Hashable, Codable, StrictDecodable {
    /// Where a connection may come from: the running containers of a service (one that does
    /// not exist yet admits nobody until it does), or an IPv4 network.
    public enum Source: Sendable, Hashable, Codable {
        case service(String)
        case cidr(CIDR)

        enum CodingKeys: String, CodingKey { case service, cidr }

        /// By hand: exactly one of two keys, and the CIDR parsed with its own message.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            let service = try c.decodeIfPresent(String.self, forKey: .service)
            let cidr = try c.decodeIfPresent(String.self, forKey: .cidr)
            switch (service, cidr) {
            case (let service?, nil):
                self = .service(service)
            case (nil, let text?):
                do {
                    self = .cidr(try CIDR.parse(text))
                } catch {
                    throw DecodingError.dataCorruptedError(forKey: .cidr, in: c, debugDescription: error.description)
                }
            default:
                throw DecodingError.dataCorrupted(.init(
                    codingPath: c.codingPath, debugDescription: "give exactly one of service (a service name) or cidr (an IPv4 network)"
                ))
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            switch self {
            case .service(let name): try c.encode(name, forKey: .service)
            case .cidr(let network): try c.encode(network.description, forKey: .cidr)
            }
        }
    }

    /// A port the destination container listens on: the service port's `targetPort`, not the
    /// port on the VIP (policy is enforced where the traffic arrives, after the VIP's DNAT).
    public struct Port: Sendable, Hashable, Codable {
        public var port: Int
        public var `protocol`: PortProtocol

        public init(port: Int, protocol: PortProtocol = .tcp) {
            self.port = port
            self.protocol = `protocol`
        }

        enum CodingKeys: String, CodingKey { case port, `protocol` }

        /// By hand: an unknown protocol is worded "must be tcp or udp" here, unlike a service port's.
        public init(from decoder: any Decoder) throws {
            let c = try decoder.strictContainer(keyedBy: CodingKeys.self)
            port = try c.decode(Int.self, forKey: .port)
            let name = try c.decodeIfPresent(String.self, forKey: .protocol) ?? PortProtocol.tcp.rawValue
            guard let proto = PortProtocol(rawValue: name) else {
                throw DecodingError.dataCorruptedError(forKey: .protocol, in: c, debugDescription: "must be tcp or udp, got \"\(name.prefix(40))\"")
            }
            `protocol` = proto
        }
    }

    /// Empty: any source.
    @Defaulted public var from: [Source]
    /// Empty: every port, TCP and UDP.
    @Defaulted public var ports: [Port]

    public init(from: [Source] = [], ports: [Port] = []) {
        self.from = from
        self.ports = ports
    }

    public static let maxRules = 32
    public static let maxSources = 64
    public static let maxPorts = 64

    /// The rules a decoded list must also keep: bounded counts, DNS-label service names and
    /// ports in range. (CIDRs and the one-of-service-or-cidr rule were checked when decoding.)
    public static func validate(_ rules: [IngressRule], field: String = "ingress") throws(BerthError) {
        try Rules.count(rules.count, max: maxRules, field: field)
        for (i, rule) in rules.enumerated() {
            try Rules.count(rule.from.count, max: maxSources, field: "\(field)[\(i)].from")
            for (j, source) in rule.from.enumerated() {
                if case .service(let name) = source { try Rules.name(name, field: "\(field)[\(i)].from[\(j)].service") }
            }
            try Rules.count(rule.ports.count, max: maxPorts, field: "\(field)[\(i)].ports")
            for (j, port) in rule.ports.enumerated() {
                try Rules.range(port.port, 1...65535, field: "\(field)[\(i)].ports[\(j)].port")
            }
        }
    }
}
