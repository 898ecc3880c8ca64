import BerthCore
import BerthNetwork
import Foundation

/// How an agent runs containers.
public enum DriverKind: String, Sendable, CaseIterable {
    /// The command as a host process (the image is recorded, not pulled).
    case process
    /// Containers that run at once and never exit, for scale tests.
    case simulated
    /// Linux containers on the node network: namespaces, cgroups, a veth on the node bridge.
    case linux
}

/// Everything `berth agent` is told on its command line.
public struct AgentConfiguration: Sendable {
    public var server: URL
    /// The node's name, or the prefix of the simulated nodes' names.
    public var node: String
    public var address: String
    public var labels: [String: String]
    public var capacity: Resources
    /// Where container records and logs live: `<stateDirectory>/<node>/…`.
    public var stateDirectory: URL
    public var heartbeatInterval: Duration
    public var stopGrace: Duration
    /// With the simulated driver, how many nodes this one process plays (1 = just `node`).
    public var simulatedNodes: Int
    /// The bearer token: an agent token for the node, or an admin token to simulate many.
    public var token: String?
    /// The file the token was read from, which the linux driver hides from containers on the
    /// host's files.
    public var tokenFile: String?
    /// PEM CA certificates to trust when the server is https.
    public var caFile: String?
    public var driver: DriverKind = .process
    /// With the linux driver: the network namespace that is the node's host network (nil: the
    /// agent's own). The agent stays where it runs and programs that namespace.
    public var networkNamespace: String?
    /// With the linux driver: the most processes one container may have.
    public var pidsLimit = 4096
    /// With the linux driver: berth-init's path (nil: beside the running executable).
    public var initPath: String?
    /// With the linux driver: the Berth server's DNS (`host:port`) that the node's forwarder
    /// sends the zone's names to; nil leaves containers with the node's resolv.conf.
    public var dnsServer: String? = "127.0.0.1:8600"
    /// The Berth DNS zone.
    public var dnsDomain = "berth."
    /// With the linux driver: how often the service rules in the kernel are compared with the
    /// plan and what drifted is repaired. Reading the table is the costly part with thousands of
    /// services, hence the long default; the lab's tests shorten it to see a repair promptly.
    public var serviceVerifyInterval: Duration = .seconds(30)
    /// With the linux driver: how often the node network (routes, neighbours, FDB entries) is
    /// compared with the plan and what drifted is repaired. Peers follow the node list as it
    /// changes, whatever this is; a test lengthens it so only that path can explain a route.
    public var networkVerifyInterval: Duration = .seconds(10)
    /// With the linux driver: the longest a container of a service waits for its network
    /// policy to be in place (the services listed, its rules programmed) before it is refused.
    public var policyWait: Duration = .seconds(30)
    /// With the linux driver: what containers may reach on nodes besides the DNS forwarder.
    public var nodeAccess = NodeAccess()
    /// With the linux driver: anti-spoofing and the node's forward and input filters (off only
    /// to measure what they cost).
    public var nodeIsolation = true

    /// The node network's settings from the cluster's networks and these flags.
    func nodeNetwork(subnet: CIDR, underlay: IPv4Address, cluster: CIDR, services: CIDR?, backend: Backend) -> NodeNetworkConfig {
        var config = NodeNetworkConfig(
            name: node, namespace: networkNamespace, underlayAddress: underlay, subnet: subnet,
            clusterCIDRs: [cluster], backend: backend, serviceCIDRs: services.map { [$0] } ?? []
        )
        config.nodeAccess = nodeAccess
        config.isolation = nodeIsolation
        return config
    }

    public init(
        server: URL, node: String, address: String = "127.0.0.1", labels: [String: String] = [:],
        capacity: Resources, stateDirectory: URL, heartbeatInterval: Duration = .seconds(3),
        stopGrace: Duration = .seconds(10), simulatedNodes: Int = 1, token: String? = nil, caFile: String? = nil
    ) {
        self.token = token
        self.caFile = caFile
        self.server = server
        self.node = node
        self.address = address
        self.labels = labels
        self.capacity = capacity
        self.stateDirectory = stateDirectory
        self.heartbeatInterval = heartbeatInterval
        self.stopGrace = stopGrace
        self.simulatedNodes = simulatedNodes
    }

    /// What each of its nodes registers as; a linux node reports its VXLAN tunnel endpoint's
    /// MAC, which its peers program (it is derived from the node's name, so it is known before
    /// the device exists).
    var nodeSpec: NodeSpec {
        var spec = NodeSpec(address: address, labels: labels, capacity: capacity)
        if driver == .linux { spec.vtepMAC = MACAddress.vtep(forNode: node).description }
        return spec
    }

    /// The names of the nodes this agent registers.
    public var nodeNames: [String] {
        simulatedNodes <= 1 ? [node] : (1...simulatedNodes).map { "\(node)-\($0)" }
    }

    /// What this machine has: all its cores (in millicores) and memory (in MiB).
    public static func machineCapacity() -> Resources {
        let cpu = ProcessInfo.processInfo.activeProcessorCount * 1000
        let memory = Int(ProcessInfo.processInfo.physicalMemory / (1024 * 1024))
        return Resources(cpu: max(cpu, 1), memory: max(memory, 1))
    }
}
