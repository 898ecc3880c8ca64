@testable import BerthCore
import BerthTesting
import Foundation
import Testing

/// A seeded random walk through node failures, drains, scaling, template changes and crashes,
/// with NodeLifecycle, ServiceReconciler and Scheduler run after every step. Invariants are
/// checked after every step; at the end, with all nodes healthy and room enough, every
/// service must settle exactly where its spec says.
@Suite struct ClusterSimulationTests {
    typealias F = RecFixture

    static let zones = ["a", "b", "c"]

    static func initialCluster() -> SimCluster {
        var cluster = SimCluster(now: F.t0)
        for i in 0..<3 {
            cluster.addNode("node-\(i)", labels: ["zone": zones[i % 3], "disk": i == 0 ? "ssd" : "hdd"], cpu: 3000, memory: 6144)
        }
        cluster.putService("web", F.spec(replicas: 3, policy: .always, parallelism: 1, resources: .init(cpu: 200, memory: 256)))
        cluster.putService("api", F.spec(
            replicas: 2, policy: .onFailure, order: .startFirst, parallelism: 2, resources: .init(cpu: 300, memory: 128),
            placement: Placement(spreadBy: ["node.labels.zone"])
        ))
        cluster.putService("edge", F.spec(
            replicas: 2, policy: .always, resources: .init(cpu: 100, memory: 64), hostPort: 8080, placement: Placement(maxPerNode: 1)
        ))
        cluster.putService("batch", batchSpec)
        cluster.putService("agent", F.spec(mode: .global, policy: .always, constraints: ["node.labels.zone!=c"], resources: .init(cpu: 50, memory: 32)))
        return cluster
    }

    enum Event: CaseIterable {
        case addNode, failNode, recoverNode, setAvailability, scale, changeTemplate, exit, unhealthy, toggleService, standalone, nothing
    }

    static let batchSpec = F.spec(
        replicas: 2, policy: .never, resources: .init(cpu: 250, memory: 256),
        placement: Placement(strategy: .binpack, preferences: [Preference(constraint: "node.labels.disk==ssd", weight: 2)])
    )

    /// Applies one random event; returns a line for the failure log.
    static func randomEvent(_ cluster: inout SimCluster, _ rng: inout SplitMix64) -> String {
        let names = cluster.nodes.keys.sorted()
        switch Event.allCases[rng.int(in: 0...(Event.allCases.count - 1))] {
        case .addNode:
            guard cluster.nodes.count < 9 else { return "no more nodes" }
            let name = "node-\(cluster.nodes.count)"
            cluster.addNode(name, labels: ["zone": zones[rng.int(in: 0...2)], "disk": rng.bool() ? "ssd" : "hdd"],
                            cpu: 1000 * rng.int(in: 2...4), memory: 2048 * rng.int(in: 2...4))
            return "add \(name)"
        case .failNode:
            guard let name = rng.pick(names.filter { cluster.nodes[$0]!.alive }) else { return "no live node" }
            cluster.nodes[name]!.alive = false
            return "fail \(name)"
        case .recoverNode:
            guard let name = rng.pick(names.filter { !cluster.nodes[$0]!.alive }) else { return "no dead node" }
            cluster.nodes[name]!.alive = true
            return "recover \(name)"
        case .setAvailability:
            guard let name = rng.pick(names) else { return "no node" }
            let availability = [Availability.active, .active, .pause, .drain][rng.int(in: 0...3)]
            cluster.nodes[name]!.availability = availability
            return "\(name) \(availability)"
        case .scale:
            let name = ["web", "api", "edge", "batch"][rng.int(in: 0...3)]
            guard var spec = cluster.services[name]?.spec else { return "\(name) is deleted" }
            spec.replicas = rng.int(in: 0...(name == "edge" ? 3 : 6))
            cluster.putService(name, spec)
            return "scale \(name) to \(spec.replicas)"
        case .changeTemplate:
            let name = ["web", "api", "edge", "batch", "agent"][rng.int(in: 0...4)]
            guard var spec = cluster.services[name]?.spec else { return "\(name) is deleted" }
            spec.template.image = "image:\(cluster.nextIndex)"
            if rng.bool() { spec.template.resources.cpu = 50 * rng.int(in: 1...6) }
            cluster.putService(name, spec)
            return "new template for \(name)"
        case .exit:
            let running = cluster.views.filter { $0.state == .running && $0.node.map { cluster.nodes[$0]!.alive } == true }
            guard let victim = rng.pick(running) else { return "nothing running" }
            let code = rng.int(in: 0...1)
            cluster.exit(victim.id, code: code)
            return "\(victim.id) (\(victim.service ?? "-")) exits \(code)"
        case .unhealthy:
            let running = cluster.views.filter { $0.state == .running && $0.service != nil }
            guard let victim = rng.pick(running) else { return "nothing running" }
            cluster.containers[victim.id]!.view.healthy = false
            return "\(victim.id) unhealthy"
        case .toggleService:
            if cluster.services["batch"] == nil {
                cluster.putService("batch", batchSpec)
                return "create batch"
            }
            // As ServiceRepository.delete: unplaced and ended containers go, the rest are told to stop.
            cluster.services["batch"] = nil
            for c in cluster.views where c.service == "batch" {
                if c.state == .pending || c.state.isTerminal {
                    cluster.containers[c.id] = nil
                } else {
                    cluster.containers[c.id]!.view.desiredState = .stopped
                }
            }
            return "delete batch"
        case .standalone:
            guard cluster.views.filter({ $0.service == nil && $0.isActive }).count < 4 else { return "enough standalone containers" }
            let id = cluster.addContainer(service: nil, node: nil, state: .pending, resources: .init(cpu: 100 * rng.int(in: 1...4), memory: 64))
            return "standalone \(id)"
        case .nothing:
            return "nothing"
        }
    }

    /// What must hold after every step, whatever happened.
    static func violations(_ cluster: SimCluster) -> [String] {
        var problems: [String] = []
        var used: [String: Resources] = [:]
        var ports: [String: [Int]] = [:]
        var perService: [String: Int] = [:]
        for c in cluster.views {
            switch c.state {
            case .pending:
                if c.node != nil { problems.append("\(c.id) pending but on \(c.node!)") }
            case .scheduled, .starting, .running, .exited, .failed:
                if c.node == nil { problems.append("\(c.id) \(c.state) without a node") }
            case .lost:
                break
            }
            guard let node = c.node, !c.state.isTerminal else { continue }
            guard let n = cluster.nodes[node] else { problems.append("\(c.id) on unknown node \(node)"); continue }
            if n.status == .down { problems.append("\(c.id) is \(c.state) on down node \(node)") }
            let box = cluster.containers[c.id]!
            used[node, default: .zero] = used[node, default: .zero] + box.resources
            ports[node, default: []] += box.hostPorts
            if let service = c.service { perService["\(service)@\(node)", default: 0] += 1 }
        }
        for (name, total) in used.sorted(by: { $0.key < $1.key }) {
            let capacity = cluster.nodes[name]!.capacity
            if total.cpu > capacity.cpu || total.memory > capacity.memory {
                problems.append("\(name) overcommitted: \(total.cpu)m/\(total.memory)MiB of \(capacity.cpu)m/\(capacity.memory)MiB")
            }
        }
        for (name, list) in ports where Set(list).count != list.count {
            problems.append("\(name) has a host port bound twice: \(list.sorted())")
        }
        for (key, count) in perService {
            let service = String(key.prefix { $0 != "@" })
            if let max = cluster.services[service]?.spec.placement.maxPerNode, max > 0, count > max {
                problems.append("\(key): \(count) containers, maxPerNode \(max)")
            }
        }
        // A global service never runs two wanted containers on one node.
        for service in cluster.services.values where service.spec.mode == .global {
            var onNode: [String: Int] = [:]
            for c in cluster.active(of: service.name) { if let node = c.pinnedNode ?? c.node { onNode[node, default: 0] += 1 } }
            for (node, count) in onNode where count > 1 { problems.append("\(service.name) has \(count) wanted containers on \(node)") }
        }
        // Ids are unique by construction; a container is on one node at most, by construction.
        return problems
    }

    /// The end state once the cluster has been quiet and healthy long enough.
    static func convergenceProblems(_ cluster: SimCluster) -> [String] {
        var problems: [String] = []
        for service in cluster.services.values.sorted(by: { $0.name < $1.name }) {
            let active = cluster.active(of: service.name)
            let stale = active.filter { $0.state != .running || $0.templateVersion != service.templateVersion }
            if !stale.isEmpty { problems.append("\(service.name): not running the current template: \(stale.map { "\($0.id) \($0.state) v\($0.templateVersion)" })") }
            switch service.spec.mode {
            case .replicated:
                // Ended slots the policy does not restart still count as replicas.
                let done = cluster.views.filter {
                    $0.service == service.name && $0.desiredState == .running && $0.state.isTerminal
                }
                if service.spec.template.restartPolicy == .always, !done.isEmpty {
                    problems.append("\(service.name): ended replicas not restarted: \(done.map(\.id))")
                }
                if active.count + done.count != service.spec.replicas {
                    problems.append("\(service.name): \(active.count) running + \(done.count) done, want \(service.spec.replicas)")
                }
            case .global:
                let constraints = service.spec.constraints
                let eligible = Set(cluster.nodeStates.filter { n in
                    n.status == .ready && n.availability == .active && constraints.allSatisfy(n.matches)
                }.map(\.name))
                var covered = Set(active.compactMap(\.node))
                covered.formUnion(cluster.views.filter { $0.service == service.name && $0.desiredState == .running && $0.state.isTerminal }
                    .compactMap { $0.pinnedNode ?? $0.node })
                if covered != eligible || active.count != Set(active.compactMap(\.node)).count {
                    problems.append("\(service.name): on \(covered.sorted()), eligible \(eligible.sorted())")
                }
            }
        }
        let lifecycle = cluster.planLifecycle()
        if !lifecycle.isEmpty { problems.append("lifecycle plan not empty: \(lifecycle)") }
        let services = cluster.planServices()
        if !services.isEmpty { problems.append("service plan not empty: \(services)") }
        let pending = cluster.pendingRequests
        if !pending.isEmpty {
            problems.append("still pending: \(pending.map { "\($0.container): \(cluster.containers[$0.container]?.view.reason ?? "-")" })")
        }
        return problems
    }

    @Test(arguments: TestSeeds.or([1, 2, 3, 42, 1234, 0xDEAD_BEEF, 987_654_321, 31337]))
    func randomWalkKeepsInvariantsAndConverges(seed: UInt64) throws {
        var rng = SplitMix64(seed: seed)
        var cluster = Self.initialCluster()
        var log: [String] = []
        for step in 0..<300 {
            let event = Self.randomEvent(&cluster, &rng)
            log.append("t+\(Int(cluster.now.timeIntervalSince(F.t0)))s: \(event)")
            cluster.round()
            let problems = Self.violations(cluster)
            try #require(problems.isEmpty, "seed \(seed), step \(step): \(problems)\nlast events: \(log.suffix(8))")
            cluster.now += 1
        }

        // Quiet: every node back and active, room enough for everyone. A global container can
        // only go on its own node, so each node must have room for its share of all services
        // (7,200m and 5,000 MiB is every replica at its largest on one node, plus 1,600m of
        // standalone containers).
        for name in cluster.nodes.keys {
            cluster.nodes[name]!.alive = true
            cluster.nodes[name]!.availability = .active
            cluster.nodes[name]!.capacity = Resources(cpu: 10000, memory: 16384)
        }
        if cluster.services["batch"] == nil { cluster.putService("batch", Self.batchSpec) }
        while cluster.nodes.count < 7 {
            cluster.addNode("node-\(cluster.nodes.count)", labels: ["zone": Self.zones[cluster.nodes.count % 3], "disk": "hdd"])
        }
        for _ in 0..<90 {
            cluster.round()
            let problems = Self.violations(cluster)
            try #require(problems.isEmpty, "seed \(seed), quiet phase: \(problems)")
            cluster.now += 1
        }
        let problems = Self.convergenceProblems(cluster)
        #expect(problems.isEmpty, "seed \(seed): \(problems)\nlast events: \(log.suffix(12))")
        // Restart-always services run exactly their replica count.
        for name in ["web", "edge"] {
            let service = cluster.services[name]!
            #expect(cluster.running(of: name, version: service.templateVersion).count == service.spec.replicas)
        }
    }

    @Test func invariantCheckerCatchesAnOvercommit() {
        // The checker itself must be able to fail.
        var cluster = Self.initialCluster()
        cluster.addContainer(service: nil, node: "node-0", state: .running, resources: .init(cpu: 2000, memory: 64))
        cluster.addContainer(service: nil, node: "node-0", state: .running, resources: .init(cpu: 2000, memory: 64))
        cluster.nodes["node-1"]!.status = .down
        cluster.addContainer(service: "edge", node: "node-1", state: .running, hostPorts: [8080])
        cluster.addContainer(service: "edge", node: "node-1", state: .scheduled, hostPorts: [8080])
        let problems = Self.violations(cluster)
        #expect(problems.contains { $0.hasPrefix("node-0 overcommitted") })
        #expect(problems.contains { $0.contains("on down node node-1") })
        #expect(problems.contains { $0.hasPrefix("node-1 has a host port bound twice") })
        #expect(problems.contains { $0.hasPrefix("edge@node-1: 2 containers") })
    }
}
