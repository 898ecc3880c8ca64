import BerthCore
import BerthDNSWire

/// The part of the cluster state the zone answers from, in memory: what `DNSZoneLoader` read
/// from the store and the change hub keeps current. A plain value, so `DNSZone` is a pure
/// function of it and the tests build one by hand.
public struct DNSZoneState: Sendable, Hashable {
    public var services: [String: Service] = [:]
    /// Each service's healthy targets (running, passing their health check), by service.
    public var targets: [String: [Target]] = [:]
    public var containers: [String: Container] = [:]
    /// Container name → id, for `<name>.container.<domain>`.
    public var containerNames: [String: String] = [:]
    public var nodes: [String: Node] = [:]
    /// The change index the state reflects (the SOA serial, modulo 2^32).
    public var index: UInt64 = 0

    public init() {}

    /// A service as the zone needs it.
    public struct Service: Sendable, Hashable {
        public var name: String
        public var vip: DNSIPv4Address?
        public var endpointMode: EndpointMode
        /// The ports SRV names can ask for (`_<name>._<protocol>`), with the container port the
        /// targets carry.
        public var namedPorts: [NamedPort]

        public init(name: String, vip: DNSIPv4Address?, endpointMode: EndpointMode, namedPorts: [NamedPort]) {
            self.name = name
            self.vip = vip
            self.endpointMode = endpointMode
            self.namedPorts = namedPorts
        }
    }

    public struct NamedPort: Sendable, Hashable {
        public var name: String
        /// The container port (a target's `port`).
        public var port: Int
        public var `protocol`: PortProtocol

        public init(name: String, port: Int, protocol: PortProtocol) {
            self.name = name
            self.port = port
            self.protocol = `protocol`
        }
    }

    /// One healthy replica on one port.
    public struct Target: Sendable, Hashable {
        public var container: String
        public var ip: DNSIPv4Address
        public var port: Int

        public init(container: String, ip: DNSIPv4Address, port: Int) {
            self.container = container
            self.ip = ip
            self.port = port
        }
    }

    /// A container that holds an address.
    public struct Container: Sendable, Hashable {
        public var id: String
        public var name: String?
        public var ip: DNSIPv4Address

        public init(id: String, name: String? = nil, ip: DNSIPv4Address) {
            self.id = id
            self.name = name
            self.ip = ip
        }
    }

    public struct Node: Sendable, Hashable {
        public var name: String
        /// Nil when the node's address is not IPv4 (no A record to give).
        public var address: DNSIPv4Address?

        public init(name: String, address: DNSIPv4Address?) {
            self.name = name
            self.address = address
        }
    }

    // MARK: Changing it

    /// Puts or removes a service, keeping its targets (they change on their own key).
    public mutating func set(service name: String, _ service: Service?) {
        services[name] = service
    }

    public mutating func set(targets service: String, _ list: [Target]) {
        targets[service] = list.isEmpty ? nil : list
    }

    /// Puts or removes a container, keeping the name index in step.
    public mutating func set(container id: String, _ container: Container?) {
        if let old = containers[id]?.name, containerNames[old] == id { containerNames[old] = nil }
        containers[id] = container
        if let name = container?.name { containerNames[name] = id }
    }

    public mutating func set(node name: String, _ node: Node?) {
        nodes[name] = node
    }
}

extension DNSZoneState.Service {
    /// The zone's view of a stored service: its VIP, endpoint mode, and the port names SRV
    /// queries may use — the template's container ports by name, then the service ports' names
    /// (for their target ports) where the template did not use them.
    public init(_ service: BerthCore.Service) {
        var ports: [DNSZoneState.NamedPort] = []
        var seen = Set<String>()
        for port in service.spec.template.ports where seen.insert(port.name).inserted {
            ports.append(.init(name: port.name, port: port.containerPort, protocol: port.protocol))
        }
        for port in service.spec.ports {
            guard let name = port.name, seen.insert(name).inserted else { continue }
            ports.append(.init(name: name, port: port.targetPort, protocol: port.protocol))
        }
        self.init(
            name: service.name, vip: service.vip.flatMap(DNSIPv4Address.init(text:)),
            endpointMode: service.spec.endpointMode, namedPorts: ports
        )
    }
}

extension DNSIPv4Address {
    /// Dotted-quad text, through BerthCore's allocation-free parser; nil for anything else.
    public init?(text: some StringProtocol) {
        guard let address = IPv4Address(text) else { return nil }
        self.init(rawValue: address.value)
    }
}
