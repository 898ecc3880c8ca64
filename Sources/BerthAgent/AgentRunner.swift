import BerthClient
import BerthCore
import BerthDNSWire
import BerthNetwork
import Foundation
import Logging
import ServiceLifecycle

/// The node agent: registers its node(s), heartbeats, follows the containers assigned to it
/// through the change feed (long-polls, never tight polling), starts and stops them through
/// its driver, and reports every state change, exit and health result.
///
/// Its loops are `Service`s in a `ServiceGroup` of its own (`AgentTask`), which shuts down
/// gracefully with the `berth agent` group around it (SIGTERM, SIGINT). Its state lives in one
/// loop fed by a message stream: the follower, the drivers' exit notices, a slow resync, the health prober and nothing else
/// write to it. On shutdown the containers keep running; a restarted
/// agent adopts them from the driver's records and stops whatever is no longer wanted.
public struct AgentRunner: ServiceLifecycle.Service {
    enum Message: Sendable {
        case listed([Container])
        case changed([Container], deleted: [String])
        /// The container may have ended (its driver saw its process end): reap at once.
        case exited(String)
        /// The slow periodic pass (`AgentLoop.resyncInterval`): reap every driver, plan again.
        case resync
        case health(id: String, healthy: Bool)
    }

    let configuration: AgentConfiguration
    let logger: Logger
    let clock: any BerthClock

    public init(configuration: AgentConfiguration, logger: Logger, clock: any BerthClock = SystemClock()) {
        self.configuration = configuration
        self.logger = logger
        self.clock = clock
    }

    public func run() async throws {
        let client = BerthClient(server: configuration.server, token: configuration.token, caFile: configuration.caFile)
        let api = AgentAPI(client: client, node: configuration.simulatedNodes <= 1 ? configuration.node : nil)
        let nodes = configuration.nodeNames
        try await registerAll(api, nodes)
        logger.info("agent registered", metadata: ["nodes": "\(nodes.count)", "server": "\(configuration.server)"])
        let (drivers, dataPlane, forwarder) = try await makeDrivers(nodes, client: client)
        let servicePlane = (drivers.values.first as? LinuxDriver).map { linux in
            ServicePlane(
                proxy: ServiceProxy(namespace: linux.network.config.namespace), view: ClusterView(client: client), local: linux.local,
                gate: linux.policy, clock: clock, verifyEvery: configuration.serviceVerifyInterval, logger: logger
            )
        }
        var adopted: [String: String] = [:]  // container → node
        for (node, driver) in drivers {
            for id in await driver.adopt(node: node).keys { adopted[id] = node }
        }
        if !adopted.isEmpty { logger.info("adopted running containers", metadata: ["count": "\(adopted.count)"]) }
        // The node network is made (and what adopted containers hold is declared) before any
        // container starts; from then on it follows the node list.
        var started: UInt64?
        if let dataPlane { started = try await retrying("set up the node network") { try await dataPlane.start() } }
        let followFrom = started

        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .unbounded)
        let probes = ProbeRegistry()
        let loop = AgentLoop(
            nodes: Set(nodes), drivers: drivers, api: api, grace: configuration.stopGrace,
            logger: logger, probes: probes, adopted: adopted, clock: clock
        )
        // The loops, in the order they start; shutdown stops them in reverse, the state's loop first.
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = []
        if let dataPlane, let followFrom { services.append(.init(service: AgentTask("node network") { await dataPlane.run(from: followFrom) })) }
        if let servicePlane { services.append(.init(service: AgentTask("service rules") { await servicePlane.run() })) }
        if let forwarder {
            // Without it the rest of the agent goes on: its end is not the group's, and
            // containers fall back to their resolv.conf's next try.
            services.append(.init(service: AgentTask("DNS forwarder") {
                do { try await forwarder.run() } catch { logger.error("the node DNS forwarder stopped", metadata: ["error": "\(error)"]) }
            }, successTerminationBehavior: .ignore, failureTerminationBehavior: .ignore))
        }
        services.append(.init(service: AgentTask("heartbeats") { await self.heartbeats(api, nodes) }))
        services.append(.init(service: AgentTask("container follower") { await self.follow(api, into: continuation) }))
        services.append(.init(service: AgentTask("exit notices") { await Self.forwardExits(of: Array(drivers.values), into: continuation) }))
        services.append(.init(service: AgentTask("resync") { [clock] in
            while true {
                do { try await clock.sleep(for: AgentLoop.resyncInterval) } catch { return }
                continuation.yield(.resync)
            }
        }))
        services.append(.init(service: AgentTask("health prober") { [clock] in
            await HealthLoop(probes: probes, prober: HealthProber(), clock: clock).run { id, healthy in
                continuation.yield(.health(id: id, healthy: healthy))
            }
        }))
        services.append(.init(service: AgentTask("containers") {
            var loop = loop
            for await message in stream {
                if Task.isCancelled { break }
                await loop.handle(message)
            }
        }))
        do {
            try await ServiceGroup(configuration: .init(services: services, logger: logger)).run()
        } catch {
            logger.error("the agent's loops stopped", metadata: ["error": "\(error)"])
        }
        continuation.finish()
        logger.info("agent stopped; its containers keep running and are adopted at the next start")
    }

    /// One driver per node, and (linux) the node network it attaches containers to.
    private func makeDrivers(_ nodes: [String], client: BerthClient) async throws -> ([String: any ContainerDriver], DataPlane?, NodeDNSForwarder?) {
        switch configuration.driver {
        case .process:
            var drivers: [String: any ContainerDriver] = [:]
            for node in nodes { drivers[node] = try ProcessDriver(stateDirectory: configuration.stateDirectory, node: node) }
            return (drivers, nil, nil)
        case .simulated:
            let simulated = SimulatedDriver()
            return (Dictionary(uniqueKeysWithValues: nodes.map { ($0, simulated as any ContainerDriver) }), nil, nil)
        case .linux:
            let view = ClusterView(client: client)
            let network = try await retrying("read the node's subnet and the cluster network") {
                try await NodeNetwork(config: networkConfig(view))
            }
            let forwarder = try dnsForwarder(network.config)
            let driver = try LinuxDriver(
                stateDirectory: configuration.stateDirectory, node: configuration.node, network: network,
                policy: PolicyGate(clock: clock, timeout: configuration.policyWait), pidsLimit: configuration.pidsLimit, initPath: configuration.initPath,
                resolvConf: forwarder.map { NodeDNSForwarder.resolvConf(gateway: network.config.gateway, zone: $0.configuration.zone) },
                tokenFile: configuration.tokenFile
            )
            for warning in driver.warnings { logger.warning("\(warning)") }
            return ([configuration.node: driver], DataPlane(network: network, view: view, resync: configuration.networkVerifyInterval, clock: clock, logger: logger), forwarder)
        }
    }

    /// The node's DNS forwarder, when the agent is told where the server's DNS is.
    private func dnsForwarder(_ node: NodeNetworkConfig) throws -> NodeDNSForwarder? {
        guard let server = configuration.dnsServer else { return nil }
        let parts = server.split(separator: ":")
        guard parts.count == 2, let address = IPv4Address(parts[0]), let port = UInt16(parts[1]) else {
            throw DriverError("--dns-server \(server) is not IPV4:PORT")
        }
        let zone: DNSName
        do { zone = try DNSName(configuration.dnsDomain) } catch { throw DriverError("--dns-domain \(configuration.dnsDomain): \(error)") }
        return NodeDNSForwarder(configuration: .init(
            listen: node.gateway, namespace: node.namespace, zone: zone, server: (address, port),
            upstreams: NodeDNSForwarder.upstreams(namespace: node.namespace)
        ), logger: logger)
    }

    /// The node's network settings: its subnet (leased when it registered), the cluster network
    /// and its backend.
    private func networkConfig(_ view: ClusterView) async throws -> NodeNetworkConfig {
        let node = try await view.nodes().nodes.first { $0.name == configuration.node }
        guard let node, let subnetText = node.subnet, let subnet = CIDR(subnetText) else {
            throw DriverError("node \(configuration.node) has no subnet yet")
        }
        guard let underlay = IPv4Address(configuration.address) else {
            throw DriverError("--address \(configuration.address) is not an IPv4 address, which the node network needs")
        }
        let cluster = try await view.network(Network.defaultName)
        guard let clusterCIDR = CIDR(cluster.subnet) else { throw DriverError("the cluster network's subnet \(cluster.subnet) does not parse") }
        let backend = try Backend(name: cluster.backend ?? "vxlan", vni: UInt32(clamping: cluster.vni ?? 1))
        let services = try await view.network(Network.servicesName)
        return configuration.nodeNetwork(subnet: subnet, underlay: underlay, cluster: clusterCIDR, services: CIDR(services.subnet), backend: backend)
    }

    /// Runs `body` until it succeeds, backing off to 5 s between tries; only shutdown ends it early.
    private func retrying<T>(_ what: String, _ body: () async throws -> T) async throws -> T {
        try await Self.retrying(what, clock: clock, logger: logger, body)
    }

    /// Runs `body` until it succeeds, waiting the agent's `Backoff` on `clock` between tries;
    /// throws `CancellationError` once cancelled or shutting down.
    static func retrying<T>(_ what: String, clock: any BerthClock, logger: Logger, _ body: () async throws -> T) async throws -> T {
        var backoff = Backoff()
        while true {
            do {
                return try await body()
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
                logger.warning("cannot \(what) yet; retrying", metadata: ["error": "\(error)"])
                try await backoff.wait(on: clock)
            }
        }
    }

    /// How many nodes' registrations or heartbeats are in flight at once.
    static let concurrency = 32

    /// Registers the nodes: the first one until the server takes it (it may not be up yet), the
    /// rest once each, 32 at a time. A node refused now (no subnet left, say) is registered again
    /// by the heartbeat loop, so the others are not held back and keep heartbeating meanwhile.
    private func registerAll(_ api: AgentAPI, _ nodes: [String]) async throws {
        let spec = configuration.nodeSpec
        if let first = nodes.first {
            try await retrying("register node \(first)") { try await api.register(first, spec: spec) }
        }
        var refused: [(node: String, error: String)] = []
        for chunk in Array(nodes.dropFirst()).chunks(of: Self.concurrency) {
            refused += await withTaskGroup(of: (String, String)?.self) { group in
                for node in chunk {
                    group.addTask {
                        do { try await api.register(node, spec: spec); return nil } catch { return (node, "\(error)") }
                    }
                }
                return await group.reduce(into: [(node: String, error: String)]()) { all, item in if let item { all.append(item) } }
            }
        }
        if let first = refused.first {
            logger.warning("some nodes cannot register yet; the heartbeat loop retries them", metadata: [
                "refused": "\(refused.count)", "first": "\(first.node)", "error": "\(first.error)",
            ])
        }
    }

    private func heartbeats(_ api: AgentAPI, _ nodes: [String]) async {
        while !Task.isCancelled {
            for chunk in nodes.chunks(of: Self.concurrency) {
                await withTaskGroup(of: Void.self) { group in
                    for node in chunk {
                        group.addTask {
                            let status = try? await api.heartbeat(node)
                            if status == 404 {
                                // Not registered yet, removed, or the server was restored from a
                                // backup: register (again).
                                do {
                                    try await api.register(node, spec: configuration.nodeSpec)
                                } catch {
                                    logger.debug("cannot register", metadata: ["node": "\(node)", "error": "\(error)"])
                                }
                            }
                        }
                    }
                }
            }
            do { try await clock.sleep(for: configuration.heartbeatInterval) } catch { return }
        }
    }

    /// Lists once, then follows the container events; lists again after a 410 or an error.
    private func follow(_ api: AgentAPI, into continuation: AsyncStream<Message>.Continuation) async {
        var after: UInt64?
        var backoff = Backoff()
        while !Task.isCancelled {
            do {
                if after == nil {
                    let (items, index) = try await api.containers()
                    continuation.yield(.listed(items))
                    after = index
                }
                switch try await api.follow(after: after!, wait: .seconds(10)) {
                case .compacted:
                    after = nil
                case .events(let changed, let deleted, let next):
                    if !changed.isEmpty || !deleted.isEmpty { continuation.yield(.changed(changed, deleted: deleted)) }
                    after = next
                }
                backoff.succeeded()
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot follow the server; retrying", metadata: ["error": "\(error)"])
                after = nil
                do { try await backoff.wait(on: clock) } catch { return }
            }
        }
    }

    /// Passes every driver's exit notices to the loop as they come (a driver serving several
    /// nodes, the simulated one, is read once).
    static func forwardExits(of drivers: [any ContainerDriver], into continuation: AsyncStream<Message>.Continuation) async {
        var seen = Set<ObjectIdentifier>()
        let distinct = drivers.filter { seen.insert(ObjectIdentifier($0 as AnyObject)).inserted }
        await withTaskGroup(of: Void.self) { group in
            for driver in distinct {
                group.addTask {
                    for await id in driver.exitNotices { continuation.yield(.exited(id)) }
                }
            }
        }
    }
}
