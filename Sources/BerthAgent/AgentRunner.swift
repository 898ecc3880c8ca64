import BerthClient
import BerthCore
import Foundation
import Logging
import ServiceLifecycle

/// The node agent: registers its node(s), heartbeats, follows the containers assigned to it
/// through the change feed (long-polls, never tight polling), starts and stops them through
/// its driver, and reports every state change, exit and health result.
///
/// Its state lives in one loop fed by a message stream: the follower, a ticker, the health
/// prober and nothing else write to it. On shutdown the containers keep running; a restarted
/// agent adopts them from the driver's records and stops whatever is no longer wanted.
public struct AgentRunner: ServiceLifecycle.Service {
    enum Message: Sendable {
        case listed([Container])
        case changed([Container], deleted: [String])
        case tick
        case health(id: String, healthy: Bool)
    }

    let configuration: AgentConfiguration
    let driverFor: @Sendable (String) throws -> any ContainerDriver
    let logger: Logger

    public init(configuration: AgentConfiguration, logger: Logger, driver: @escaping @Sendable (String) throws -> any ContainerDriver) {
        self.configuration = configuration
        self.logger = logger
        self.driverFor = driver
    }

    public func run() async throws {
        let api = AgentAPI(
            client: BerthClient(server: configuration.server, token: configuration.token, caFile: configuration.caFile),
            node: configuration.simulatedNodes <= 1 ? configuration.node : nil
        )
        let nodes = configuration.nodeNames
        var drivers: [String: any ContainerDriver] = [:]
        for node in nodes { drivers[node] = try driverFor(node) }
        var adopted: [String: String] = [:]  // container → node
        for (node, driver) in drivers {
            for id in await driver.adopt(node: node).keys { adopted[id] = node }
        }
        if !adopted.isEmpty { logger.info("adopted running containers", metadata: ["count": "\(adopted.count)"]) }
        try await registerAll(api, nodes)
        logger.info("agent registered", metadata: ["nodes": "\(nodes.count)", "server": "\(configuration.server)"])

        let (stream, continuation) = AsyncStream<Message>.makeStream(bufferingPolicy: .unbounded)
        let probes = ProbeRegistry()
        let loop = AgentLoop(
            nodes: Set(nodes), drivers: drivers, api: api, grace: configuration.stopGrace,
            logger: logger, probes: probes, adopted: adopted
        )
        await cancelWhenGracefulShutdown {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { await self.heartbeats(api, nodes) }
                group.addTask { await self.follow(api, into: continuation) }
                group.addTask {
                    while !Task.isCancelled {
                        try? await Task.sleep(for: .milliseconds(250))
                        continuation.yield(.tick)
                    }
                }
                group.addTask { await self.probe(probes, into: continuation) }
                group.addTask {
                    var loop = loop
                    for await message in stream {
                        if Task.isCancelled { break }
                        await loop.handle(message)
                    }
                }
                await group.next()
                group.cancelAll()
                continuation.finish()
            }
        }
        logger.info("agent stopped; its containers keep running and are adopted at the next start")
    }

    /// How many nodes' registrations or heartbeats are in flight at once.
    static let concurrency = 32

    /// Registers the nodes: the first one until the server takes it (it may not be up yet), the
    /// rest once each, 32 at a time. A node refused now (no subnet left, say) is registered again
    /// by the heartbeat loop, so the others are not held back and keep heartbeating meanwhile.
    private func registerAll(_ api: AgentAPI, _ nodes: [String]) async throws {
        let spec = configuration.nodeSpec
        var delay: Duration = .milliseconds(200)
        while let first = nodes.first {
            do {
                try await api.register(first, spec: spec)
                break
            } catch {
                if Task.isCancelled || Task.isShuttingDownGracefully { throw CancellationError() }
                logger.warning("cannot register yet; retrying", metadata: ["node": "\(first)", "error": "\(error)"])
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
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
            try? await Task.sleep(for: configuration.heartbeatInterval)
        }
    }

    /// Lists once, then follows the container events; lists again after a 410 or an error.
    private func follow(_ api: AgentAPI, into continuation: AsyncStream<Message>.Continuation) async {
        var after: UInt64?
        var delay: Duration = .milliseconds(200)
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
                delay = .milliseconds(200)
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot follow the server; retrying", metadata: ["error": "\(error)"])
                after = nil
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }

    private func probe(_ probes: ProbeRegistry, into continuation: AsyncStream<Message>.Continuation) async {
        let prober = HealthProber()
        var due: [String: ContinuousClock.Instant] = [:]
        while !Task.isCancelled {
            let now = ContinuousClock.now
            let current = probes.all
            due = due.filter { current[$0.key] != nil }
            let ready = current.filter { (due[$0.key] ?? now) <= now }
            await withTaskGroup(of: (String, Bool).self) { group in
                for (id, probe) in ready {
                    due[id] = now + probe.interval
                    group.addTask { (id, await prober.probe(port: probe.port, path: probe.path, timeout: probe.timeout)) }
                }
                for await (id, healthy) in group { continuation.yield(.health(id: id, healthy: healthy)) }
            }
            try? await Task.sleep(for: .milliseconds(200))
        }
    }
}
