import BerthCore

/// One running replica of a service as discovery shows it (the Consul-compatible catalog): where
/// it is reached, and whether it passes its health check.
public struct DiscoveryInstance: Sendable, Hashable {
    /// A port the instance serves, in the service's port order.
    public struct Port: Sendable, Hashable {
        /// The container port's name in the template, when it has one.
        public var name: String?
        public var port: Int
        /// The node port the container port is published on, when it is.
        public var hostPort: Int?

        public init(name: String?, port: Int, hostPort: Int?) {
            self.name = name
            self.port = port
            self.hostPort = hostPort
        }
    }

    public var container: String
    public var name: String?
    public var service: String
    public var node: String
    public var nodeAddress: String
    public var ip: String?
    public var ports: [Port]
    public var healthCheck: HealthCheck?
    public var healthy: Bool?
    public var reason: String?
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        container: String, name: String?, service: String, node: String, nodeAddress: String, ip: String?, ports: [Port],
        healthCheck: HealthCheck?, healthy: Bool?, reason: String?, createIndex: UInt64, modifyIndex: UInt64
    ) {
        self.container = container
        self.name = name
        self.service = service
        self.node = node
        self.nodeAddress = nodeAddress
        self.ip = ip
        self.ports = ports
        self.healthCheck = healthCheck
        self.healthy = healthy
        self.reason = reason
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    /// Whether it is a load-balancing target: healthy, or running with no health check. The
    /// same rule as the service's targets.
    public var isPassing: Bool { healthy != false && (healthCheck == nil || healthy == true) }

    /// Where clients reach its first port, by `berth lb`'s rule: the node's address and the
    /// host port when the port is published, else the container's address and port. Nil when
    /// it serves no port.
    public var endpoint: (address: String, port: Int)? {
        guard let first = ports.first else { return nil }
        if let hostPort = first.hostPort { return (nodeAddress, hostPort) }
        return (ip ?? nodeAddress, first.port)
    }
}

/// What the Consul-compatible catalog reads in one snapshot: services, their running
/// replicas, and the nodes those run on.
public struct DiscoveryCatalog: Sendable {
    /// By name.
    public var services: [Service]
    /// Service name → its running replicas, by container id.
    public var instances: [String: [DiscoveryInstance]]
    /// By name: every node (for a read of every service), or those the instances run on.
    public var nodes: [Node]

    public init(services: [Service], instances: [String: [DiscoveryInstance]], nodes: [Node]) {
        self.services = services
        self.instances = instances
        self.nodes = nodes
    }
}
