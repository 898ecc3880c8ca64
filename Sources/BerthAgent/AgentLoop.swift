import BerthCore
import Foundation
import Logging

/// The agent's state, owned by one loop: which containers are assigned to its nodes, what the
/// drivers run, and what has been reported. Its decisions are the `ContainerPlanner`'s; this
/// loop carries them out against the drivers and the server.
struct AgentLoop {
    let nodes: Set<String>
    let drivers: [String: any ContainerDriver]
    let api: AgentAPI
    let grace: Duration
    let logger: Logger
    let probes: ProbeRegistry
    /// Containers found running at start, by node, not yet matched with the server's view.
    var adopted: [String: String]
    /// The server's view of the containers on this agent's nodes.
    var assigned: [String: Container] = [:]
    /// What the drivers run: container → node.
    var runningOn: [String: String] = [:]
    var healthy: [String: Bool] = [:]
    var listed = false

    init(nodes: Set<String>, drivers: [String: any ContainerDriver], api: AgentAPI, grace: Duration, logger: Logger,
         probes: ProbeRegistry, adopted: [String: String]) {
        self.nodes = nodes
        self.drivers = drivers
        self.api = api
        self.grace = grace
        self.logger = logger
        self.probes = probes
        self.adopted = adopted
        self.runningOn = adopted
    }

    mutating func handle(_ message: AgentRunner.Message) async {
        switch message {
        case .listed(let containers):
            assigned = [:]
            for container in containers where container.node.map(nodes.contains) == true { assigned[container.id] = container }
            if !listed, let cleanup = drivers.values.first as? any LeftoverCleaning {
                // Whatever a killed agent left half-made belongs to no container that runs.
                await cleanup.removeLeftovers(keeping: Set(runningOn.keys))
            }
            listed = true
            await reconcile()
        case .changed(let containers, let deleted):
            for id in deleted { assigned[id] = nil }
            for container in containers {
                if let node = container.node, nodes.contains(node) { assigned[container.id] = container } else { assigned[container.id] = nil }
            }
            await reconcile()
        case .tick:
            await reap()
            if listed { await reconcile() }
        case .health(let id, let ok):
            guard runningOn[id] != nil, healthy[id] != ok else { return }
            healthy[id] = ok
            await report(id, StatusReport(state: .running, healthy: ok))
        }
    }

    /// Plans against what runs, and carries the plan out.
    private mutating func reconcile() async {
        guard listed else { return }
        let observed = runningOn.mapValues { node in ObservedContainer(node: node) }
            .merging(adopted.mapValues { ObservedContainer(node: $0, adopted: true) }) { _, adopted in adopted }
        var toStart: [(Container, String, any ContainerDriver)] = []
        for action in ContainerPlanner.plan(assigned: assigned, running: observed, agentNodes: nodes) {
            switch action {
            case .start(let container, let node):
                if let driver = drivers[node] { toStart.append((container, node, driver)) }
            case .confirm(let id, let node):
                adopted[id] = nil
                if let driver = drivers[node] { await reportRunning(id, node: node, driver: driver) }
            case .report(let id, let status):
                await report(id, status)
            case .stop(let id, let node, let reason):
                let code = await drivers[node]?.stop(id, grace: grace)
                forget(id)
                adopted[id] = nil
                if let reason {
                    await report(id, StatusReport(state: .exited, exitCode: code.map(Int.init), reason: reason))
                    logger.info("stopped", metadata: ["container": "\(id)", "node": "\(node)"])
                } else {
                    logger.info("cleaned up a container no longer assigned here", metadata: ["container": "\(id)", "node": "\(node)"])
                }
            }
        }
        await startAll(toStart)
    }

    /// How many containers start at once: a node scheduled hundreds (or a simulator playing a
    /// thousand nodes) does not start them one report round-trip after another.
    static let startParallelism = 32

    private mutating func startAll(_ containers: [(Container, String, any ContainerDriver)]) async {
        for chunk in containers.chunks(of: Self.startParallelism) {
            let started = await withTaskGroup(of: (Container, String, [String: Int]?).self) { [self] group in
                for (container, node, driver) in chunk {
                    group.addTask { (container, node, await self.start(container, node: node, driver: driver)) }
                }
                return await group.reduce(into: [(Container, String, [String: Int]?)]()) { $0.append($1) }
            }
            for (container, node, ports) in started {
                guard let ports else { continue }
                runningOn[container.id] = node
                watchHealth(container, hostPorts: ports, driver: drivers[node])
            }
        }
    }

    /// Starts one container and reports it; returns its host ports, or nil if it failed.
    private func start(_ container: Container, node: String, driver: any ContainerDriver) async -> [String: Int]? {
        await report(container.id, StatusReport(state: .starting))
        do {
            let ports = try await driver.start(container, node: node)
            await report(container.id, StatusReport(state: .running, healthy: container.template.healthCheck == nil ? nil : false, hostPorts: ports))
            logger.info("started", metadata: ["container": "\(container.id)", "node": "\(node)", "ports": "\(ports)"])
            return ports
        } catch {
            await report(container.id, StatusReport(state: .failed, reason: "\(error)"))
            logger.warning("failed to start", metadata: ["container": "\(container.id)", "error": "\(error)"])
            return nil
        }
    }

    /// Probes the container's health check where its driver says it can be reached.
    private func watchHealth(_ container: Container, hostPorts: [String: Int], driver: (any ContainerDriver)?) {
        guard let check = container.template.healthCheck, let driver,
              let target = driver.probeTarget(for: container, hostPorts: hostPorts) else { return }
        probes.set(container.id, ProbeRegistry.Probe(target: target, path: check.http, interval: check.interval, timeout: check.timeout))
    }

    private mutating func reportRunning(_ id: String, node: String, driver: any ContainerDriver) async {
        let ports = await driver.running()[id] ?? [:]
        if let container = assigned[id] { watchHealth(container, hostPorts: ports, driver: driver) }
        await report(id, StatusReport(state: .running, hostPorts: ports))
    }

    /// Reports containers that ended on their own.
    private mutating func reap() async {
        for (node, driver) in drivers {
            let exits = await driver.reap()
            for exit in exits { forget(exit.id) }
            for (id, status) in ContainerPlanner.reports(for: exits) {
                await report(id, status)
                logger.info("exited", metadata: ["container": "\(id)", "node": "\(node)", "code": "\(status.exitCode.map(String.init) ?? "?")"])
            }
        }
    }

    private mutating func forget(_ id: String) {
        runningOn[id] = nil
        healthy[id] = nil
        probes.set(id, nil)
    }

    private func report(_ id: String, _ status: StatusReport) async {
        for attempt in 0..<5 {
            do {
                try await api.report(id, status)
                return
            } catch {
                if attempt == 4 { logger.warning("cannot report", metadata: ["container": "\(id)", "error": "\(error)"]) }
                try? await Task.sleep(for: .milliseconds(200 << attempt))
            }
        }
    }
}
