import BerthCore
import Foundation
import Logging

/// The agent's state and decisions, owned by one loop: which containers are assigned to its
/// nodes, what the drivers run, and what has been reported.
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

    /// Starts what is wanted and not running; stops what runs and is not wanted.
    private mutating func reconcile() async {
        guard listed else { return }
        var toStart: [(Container, String, any ContainerDriver)] = []
        for container in assigned.values.sorted(by: { $0.createIndex < $1.createIndex }) {
            guard let node = container.node, let driver = drivers[node] else { continue }
            let wanted = container.desiredState == .running && !container.state.isTerminal
            let running = runningOn[container.id] != nil
            if wanted, !running {
                if container.state == .scheduled {
                    toStart.append((container, node, driver))
                } else if container.state == .starting || container.state == .running {
                    // The server thinks it runs, but nothing here does (it died while the agent was away).
                    await report(container.id, StatusReport(state: .failed, reason: "not running on \(node) after an agent restart"))
                }
            } else if running, adopted[container.id] != nil {
                adopted[container.id] = nil
                if wanted { await reportRunning(container.id, node: node, driver: driver) }
            }
            if !wanted, running {
                let code = await driver.stop(container.id, grace: grace)
                forget(container.id)
                if !container.state.isTerminal || container.state == .lost {
                    await report(container.id, StatusReport(state: .exited, exitCode: code.map(Int.init), reason: container.reason ?? "stopped"))
                }
                logger.info("stopped", metadata: ["container": "\(container.id)", "node": "\(node)"])
            }
        }
        await startAll(toStart)
        // Running here but not assigned here (deleted, or moved while the agent was away).
        for (id, node) in runningOn where assigned[id] == nil {
            _ = await drivers[node]?.stop(id, grace: grace)
            forget(id)
            adopted[id] = nil
            logger.info("cleaned up a container no longer assigned here", metadata: ["container": "\(id)", "node": "\(node)"])
        }
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
                if let check = container.template.healthCheck, let first = container.template.ports.first, let port = ports[first.name] {
                    let probe = ProbeRegistry.Probe(
                        port: port, path: check.http, interval: check.interval, timeout: check.timeout
                    )
                    probes.set(container.id, probe)
                }
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

    private mutating func reportRunning(_ id: String, node: String, driver: any ContainerDriver) async {
        let ports = await driver.running()[id] ?? [:]
        if let container = assigned[id], let check = container.template.healthCheck, let first = container.template.ports.first, let port = ports[first.name] {
            probes.set(id, ProbeRegistry.Probe(port: port, path: check.http, interval: check.interval, timeout: check.timeout))
        }
        await report(id, StatusReport(state: .running, hostPorts: ports))
    }

    /// Reports containers that ended on their own.
    private mutating func reap() async {
        for (node, driver) in drivers {
            for exit in await driver.reap() {
                forget(exit.id)
                let failed = exit.exitCode == nil && exit.reason?.hasPrefix("exited") != true
                await report(exit.id, StatusReport(
                    state: failed ? .failed : .exited, exitCode: exit.exitCode.map(Int.init),
                    reason: exit.reason ?? "exited with code \(exit.exitCode ?? 0)"
                ))
                logger.info("exited", metadata: ["container": "\(exit.id)", "node": "\(node)", "code": "\(exit.exitCode.map(String.init) ?? "?")"])
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
