import BerthCore
import Foundation
import Logging

/// The agent's state, owned by one loop: which containers are assigned to its nodes, what the
/// drivers run, and what has been reported. Its decisions are the `ContainerPlanner`'s; this
/// loop carries them out against the drivers and the server.
struct AgentLoop {
    let nodes: Set<String>
    let drivers: [String: any ContainerDriver]
    let api: any StatusReporting
    let grace: Duration
    let logger: Logger
    let probes: ProbeRegistry
    let clock: any BerthClock
    /// Containers found running at start, by node, not yet matched with the server's view.
    var adopted: [String: String]
    /// The server's view of the containers on this agent's nodes.
    var assigned: [String: Container] = [:]
    /// What the drivers run: container → node.
    var runningOn: [String: String] = [:]
    var healthy: [String: Bool] = [:]
    var listed = false
    /// Reports the server refused past `send`'s tries, by container (the latest of each),
    /// sent again at each resync on their own `Backoff` until it takes them (`AgentLoop+Reports`).
    var unreported: [String: UnreportedStatus] = [:]

    init(nodes: Set<String>, drivers: [String: any ContainerDriver], api: any StatusReporting, grace: Duration, logger: Logger,
         probes: ProbeRegistry, adopted: [String: String], clock: any BerthClock) {
        self.nodes = nodes
        self.drivers = drivers
        self.api = api
        self.grace = grace
        self.logger = logger
        self.probes = probes
        self.adopted = adopted
        self.runningOn = adopted
        self.clock = clock
    }

    mutating func handle(_ message: AgentRunner.Message) async {
        switch message {
        case .listed(let containers):
            let known = assigned
            assigned = [:]
            for container in containers where container.node.map(nodes.contains) == true {
                assigned[container.id] = newer(container, than: known[container.id])
            }
            if !listed, let cleanup = drivers.values.first as? any LeftoverCleaning {
                // Whatever a killed agent left half-made belongs to no container that runs.
                await cleanup.removeLeftovers(keeping: Set(runningOn.keys))
            }
            listed = true
            await reconcile()
        case .changed(let containers, let deleted):
            for id in deleted { assigned[id] = nil }
            for container in containers {
                guard let node = container.node, nodes.contains(node) else {
                    assigned[container.id] = nil
                    continue
                }
                assigned[container.id] = newer(container, than: assigned[container.id])
            }
            await reconcile()
        case .exited(let id):
            // Reaped (or stopped) already, or not ours: nothing to do. A container announced
            // twice (the linux driver's init, then its monitor) is reaped once its end is known.
            guard let node = runningOn[id], let driver = drivers[node] else { return }
            await reap(node, driver)
            await reconcile()
        case .resync:
            await reportAgain()
            for (node, driver) in drivers { await reap(node, driver) }
            await reconcile()
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
            let started = await withTaskGroup(of: (Container, String, [String: Int]?, Delivery).self) { [self] group in
                for (container, node, driver) in chunk {
                    group.addTask {
                        let (ports, delivery) = await self.start(container, node: node, driver: driver)
                        return (container, node, ports, delivery)
                    }
                }
                return await group.reduce(into: [(Container, String, [String: Int]?, Delivery)]()) { $0.append($1) }
            }
            for (container, node, ports, delivery) in started {
                settle(container.id, delivery)
                guard let ports else { continue }
                runningOn[container.id] = node
                watchHealth(container, hostPorts: ports, driver: drivers[node])
            }
        }
    }

    /// Starts one container and reports it; returns its host ports (nil if it failed) and what
    /// became of the last report (the one that counts: a later report supersedes an earlier).
    private func start(_ container: Container, node: String, driver: any ContainerDriver) async -> ([String: Int]?, Delivery) {
        _ = await send(container.id, StatusReport(state: .starting))
        do {
            let ports = try await driver.start(container, node: node)
            let delivery = await send(container.id, StatusReport(state: .running, healthy: container.template.healthCheck == nil ? nil : false, hostPorts: ports))
            logger.info("started", metadata: ["container": "\(container.id)", "node": "\(node)", "ports": "\(ports)"])
            return (ports, delivery)
        } catch {
            let delivery = await send(container.id, StatusReport(state: .failed, reason: "\(error)"))
            logger.warning("failed to start", metadata: ["container": "\(container.id)", "error": "\(error)"])
            return (nil, delivery)
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

    /// How often the loop looks at every driver and plans again when nothing happened: a safety
    /// net, since exits are announced (`ContainerDriver.exitNotices`) and the server's changes
    /// followed; it finds an end no driver could announce (no pidfd for it).
    static let resyncInterval: Duration = .seconds(5)

    /// Reports the containers of `node` that ended on their own.
    private mutating func reap(_ node: String, _ driver: any ContainerDriver) async {
        let exits = await driver.reap()
        for exit in exits { forget(exit.id) }
        for (id, status) in ContainerPlanner.reports(for: exits) {
            await report(id, status)
            logger.info("exited", metadata: ["container": "\(id)", "node": "\(node)", "code": "\(status.exitCode.map(String.init) ?? "?")"])
        }
    }

    private mutating func forget(_ id: String) {
        runningOn[id] = nil
        healthy[id] = nil
        probes.set(id, nil)
    }

    /// Reports and keeps the server's answer as the agent's view of the container, so that the
    /// next plan sees what was just reported rather than the state before it (whose event may
    /// still be on its way): a container that just ended must not look like one that vanished.
    private mutating func report(_ id: String, _ status: StatusReport) async {
        settle(id, await send(id, status))
    }

    /// Takes `container` (a report's answer) as the view of it, unless a newer one is known.
    mutating func remember(_ container: Container?) {
        guard let container, let node = container.node, nodes.contains(node), assigned[container.id] != nil else { return }
        assigned[container.id] = newer(container, than: assigned[container.id])
    }

    /// Of two views of one container, the later (by modify index): events of the agent's own
    /// earlier reports can arrive after the answer to a later one.
    private func newer(_ container: Container, than known: Container?) -> Container {
        guard let known, known.modifyIndex > container.modifyIndex else { return container }
        return known
    }

    /// Sends a report, trying five times with the agent's backoff between (200 ms doubling):
    /// taken (with the server's answer), or refused with the last error.
    private func send(_ id: String, _ status: StatusReport) async -> Delivery {
        var backoff = Backoff()
        for attempt in 0..<Self.reportAttempts {
            do {
                return .taken(try await api.report(id, status))
            } catch {
                if attempt == Self.reportAttempts - 1 { return .refused(status, error) }
                do { try await backoff.wait(on: clock) } catch { return .refused(status, error) }
            }
        }
        return .refused(status, DriverError("no attempt"))
    }

    static let reportAttempts = 5
}
