import ArgumentParser
import BerthAgent
import BerthCore
import BerthNetwork
import Foundation
import Logging
import Metrics
import Prometheus
import ServiceLifecycle

extension DriverKind: ExpressibleByArgument {}

/// `berth agent`: registers a node, heartbeats, and runs what the scheduler assigns to it.
struct AgentCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "agent",
        abstract: "Run a node agent.",
        discussion: """
            The process driver runs each container's command as a child process in its own process \
            group; the image is recorded but not pulled. Containers keep running when the agent stops \
            and are adopted when it starts again with the same --state-dir.
            """
    )


    @Option(help: "The server's URL (or BERTH_ADDR).")
    var server = ServerURLFlag.fromEnvironment

    @Option(help: "A file holding the bearer token: an agent token for --node, or an admin token with --simulate-nodes (default: $BERTH_TOKEN).")
    var tokenFile: String?

    @Option(help: "PEM CA certificates to trust for an https server (default: $BERTH_CA_FILE).")
    var caFile: String?

    @Option(help: "The node's name (a DNS label).")
    var node: String

    @Option(help: "The address other nodes and load balancers reach this node at.")
    var address = "127.0.0.1"

    @Option(help: "Node labels, like zone=a,disk=ssd.")
    var labels = ""

    @Option(help: "CPU capacity in millicores (default: all cores).")
    var cpu: Int?

    @Option(help: "Memory capacity in MiB (default: all memory).")
    var memory: Int?

    @Option(help: "How containers run: process (host processes), linux (namespaces, cgroups and the node network) or simulated.")
    var driver: DriverKind = .process

    @Option(help: "With --driver linux: the network namespace that is the node's host network (the agent stays where it runs and programs it).")
    var netns: String?

    @Option(help: "With --driver linux: the most processes one container may have.")
    var pidsLimit = 4096

    @Option(help: "With --driver linux: the Berth server's DNS (IPV4:PORT) the node's DNS forwarder sends the zone's names to; containers resolve through it. `off`: containers keep the node's resolv.conf.")
    var dnsServer = "127.0.0.1:8600"

    @Option(help: "With --driver linux: the Berth DNS zone.")
    var dnsDomain = "berth."

    @Option(help: "With --driver linux: how often the service rules in nftables are checked against the plan and drift repaired.")
    var serviceVerifyInterval = DurationFlag(.seconds(30))

    @Option(help: "With --driver linux: how often the node's routes, neighbours and FDB entries are checked against the plan and drift repaired (peers follow the node list at once whatever this is).")
    var networkVerifyInterval = DurationFlag(.seconds(10))
    @Option(help: "With --driver linux: the longest a container of a service waits for its network policy to be in the kernel (the services listed, its rules programmed) before it fails.")
    var policyWait = DurationFlag(.seconds(30))

    @Option(help: "With --driver linux: ports containers may reach on their node and on other nodes' addresses besides the DNS forwarder, like tcp/9100,udp/123 (everything else is refused).")
    var containerToNodeAllow = ""

    @Flag(help: "With --driver linux: let containers reach 169.254.0.0/16 (a cloud's metadata service; refused by default).")
    var containerMetadataAccess = false

    @Flag(help: .hidden)
    var unsafeNoNodeIsolation = false

    @Option(help: "Serve the agent's metrics (Prometheus text) at http://ADDR/metrics, e.g. 127.0.0.1:9480.")
    var metricsListen: String?

    @Option(help: "Where container records and logs live (or BERTH_AGENT_DIR).")
    var stateDir = ProcessInfo.processInfo.environment["BERTH_AGENT_DIR"] ?? "./berth-agent"

    @Option(help: "With --driver simulated: play this many nodes, named NODE-1 … NODE-N.")
    var simulateNodes = 1

    @Option(help: "Time between heartbeats (keep it well under the server's --node-timeout).")
    var heartbeatInterval = DurationFlag(.seconds(3))

    @Option(help: "How long a stopped container gets between SIGTERM and SIGKILL.")
    var stopGrace = DurationFlag(.seconds(10))

    @OptionGroup var logging: LogOptions

    func validate() throws {
        guard Rules.isDNSLabel(node) else { throw ValidationError("--node must be a DNS label (lowercase letters, digits, '-')") }
        _ = try parsedLabels()
        guard heartbeatInterval.value >= .milliseconds(100) else { throw ValidationError("--heartbeat-interval must be at least 100ms") }
        guard (1...10_000).contains(simulateNodes) else { throw ValidationError("--simulate-nodes must be from 1 to 10000") }
        if simulateNodes > 1, driver != .simulated { throw ValidationError("--simulate-nodes needs --driver simulated") }
        if netns != nil, driver != .linux { throw ValidationError("--netns needs --driver linux") }
        if let netns, !FileManager.default.fileExists(atPath: "/run/netns/\(netns)") {
            throw ValidationError("--netns \(netns): no network namespace /run/netns/\(netns)")
        }
        guard serviceVerifyInterval.value >= .milliseconds(100) else { throw ValidationError("--service-verify-interval must be at least 100ms") }
        guard networkVerifyInterval.value >= .seconds(1) else { throw ValidationError("--network-verify-interval must be at least 1s") }
        guard (16...1_000_000).contains(pidsLimit) else { throw ValidationError("--pids-limit must be from 16 to 1000000") }
        if driver == .linux, IPv4Address(address) == nil { throw ValidationError("--address must be the node's IPv4 address with --driver linux") }
        do { _ = try NodePort.list(containerToNodeAllow) } catch { throw ValidationError("--container-to-node-allow: \(error)") }
    }

    func parsedLabels() throws -> [String: String] {
        var out: [String: String] = [:]
        for pair in labels.split(separator: ",") where !pair.isEmpty {
            let parts = pair.split(separator: "=", maxSplits: 1)
            guard parts.count == 2 else { throw ValidationError("--labels takes key=value pairs separated by commas") }
            out[String(parts[0])] = String(parts[1])
        }
        do { try Rules.labels(out) } catch { throw ValidationError("--labels: \(error.message)") }
        return out
    }

    func run() async throws {
        logging.bootstrap()
        let logger = Logger(label: "berth.agent")
        let machine = AgentConfiguration.machineCapacity()
        var config = AgentConfiguration(
            server: server.url, node: node, address: address, labels: try parsedLabels(),
            capacity: Resources(cpu: cpu ?? machine.cpu, memory: memory ?? machine.memory),
            stateDirectory: URL(fileURLWithPath: stateDir), heartbeatInterval: heartbeatInterval.value,
            stopGrace: stopGrace.value, simulatedNodes: simulateNodes,
            token: try Credentials.token(file: tokenFile), caFile: try Credentials.caFile(caFile)
        )
        config.driver = driver
        config.tokenFile = tokenFile
        config.networkNamespace = netns
        config.pidsLimit = pidsLimit
        config.dnsServer = dnsServer == "off" ? nil : dnsServer
        config.dnsDomain = dnsDomain
        config.serviceVerifyInterval = serviceVerifyInterval.value
        config.networkVerifyInterval = networkVerifyInterval.value
        config.policyWait = policyWait.value
        config.nodeAccess = NodeAccess(allowed: try NodePort.list(containerToNodeAllow), metadata: containerMetadataAccess)
        config.nodeIsolation = !unsafeNoNodeIsolation
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let metricsListen {
            let registry = PrometheusCollectorRegistry()
            MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
            services.append(.init(service: AgentMetricsServer.make(registry, listen: try ListenAddress(metricsListen), logger: logger)))
        }
        services.append(.init(service: AgentRunner(configuration: config, logger: logger)))
        let group = ServiceGroup(configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
