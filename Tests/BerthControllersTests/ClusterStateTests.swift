import BerthControllers
import BerthCore
import BerthStore
import BerthTesting
import Foundation
import Testing

/// The in-memory cluster state: kept from commits, it must equal the state built from the
/// store after every step of a seeded walk through everything that changes a cluster, and
/// again after a restart on the same file.
@Suite struct ClusterStateTests {
    typealias H = ControllerHarness

    /// One store and the three decision loops sharing one state, as `berth serve` runs them.
    struct Cluster {
        let h: ControllerHarness
        let state: ClusterState
        let clock: ManualClock
        let services: ServiceController
        let scheduler: SchedulerController
        let lifecycle: NodeLifecycleController
        let jobs: JobController

        init(_ h: ControllerHarness, clock: ManualClock, wholeReadThreshold: Int = 50_000) {
            self.h = h
            self.clock = clock
            state = ClusterState(store: h.store, wholeReadThreshold: wholeReadThreshold)
            services = ServiceController(state: state, logger: H.quiet, clock: clock)
            scheduler = SchedulerController(state: state, logger: H.quiet)
            lifecycle = NodeLifecycleController(state: state, timeout: .seconds(15), logger: H.quiet, clock: clock)
            jobs = JobController(state: state, logger: H.quiet, clock: clock)
        }

        func passes() async throws {
            _ = try await lifecycle.pass()
            _ = try await services.pass()
            _ = try await jobs.pass()
            _ = try await scheduler.pass()
        }
    }

    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    /// Seeds, and whether catch-ups read by key or (a threshold of 0) the whole cluster each time.
    @Test(arguments: [UInt64(1), 7, 42], [50_000, 0])
    func stateKeptFromCommitsEqualsTheStoreAfterEveryStep(seed: UInt64, wholeReadThreshold: Int) async throws {
        try await H.with { h in
            let clock = ManualClock(date: Self.t0)
            let cluster = Cluster(h, clock: clock, wholeReadThreshold: wholeReadThreshold)
            var rng = SplitMix64(seed: seed)
            var log: [String] = []
            for i in 0..<3 { try await h.addNode("node-\(i)", address: "198.18.0.\(i + 1)", labels: ["zone": "z\(i % 2)"]) }
            for step in 0..<60 {
                log.append(try await Self.randomStep(cluster, &rng, step: step))
                try await cluster.passes()
                let problems = try await cluster.state.verify()
                #expect(problems.isEmpty, "after \(log.joined(separator: "; ")): \(problems)")
                if !problems.isEmpty { return }
                // The dashboard's summary from the kept counts is the store's (a short list, so
                // the oldest pending are picked from more than fit).
                var kept = try await cluster.state.summary(limit: 2)
                var stored = try await h.store.read { try $0.summary(limit: 2) }.value
                (kept.index, stored.index) = (0, 0)
                #expect(kept == stored, "after \(log.joined(separator: "; ")): memory \(kept), the store \(stored)")
                if kept != stored { return }
            }
            // The change-driven passes missed nothing: settled, a full pass from a state built
            // afresh finds nothing to do either.
            for _ in 0..<3 { try await cluster.passes() }
            let settled = try await h.containers().map { "\($0.id) \($0.modifyIndex)" }.sorted()
            let full = ServiceController(state: ClusterState(store: h.store), logger: H.quiet, clock: clock)
            _ = try await full.pass()
            #expect(full.work.value.fullPasses == 1)
            let after = try await h.containers().map { "\($0.id) \($0.modifyIndex)" }.sorted()
            #expect(after == settled, "after \(log.joined(separator: "; ")): a full pass changed what the change-driven ones left")
        }
    }

    /// One random change, as the API or an agent would make it; returns what it did.
    static func randomStep(_ cluster: Cluster, _ rng: inout SplitMix64, step: Int) async throws -> String {
        let h = cluster.h
        let nodes = try await h.nodes().keys.sorted()
        let containers = try await h.containers()
        switch rng.int(in: 0...10) {
        case 0:
            let name = "node-\(step + 3)"
            try await h.addNode(name, address: "198.18.1.\(step + 1)", cpu: 1000 * rng.int(in: 1...4), labels: ["zone": "z\(step % 2)"])
            return "add \(name)"
        case 1:
            var spec = ServiceSpec(replicas: rng.int(in: 0...5), template: ContainerTemplate(image: "app:\(rng.int(in: 1...3))", resources: Resources(cpu: 200, memory: 64)))
            if rng.bool() { spec.placement.spreadBy = ["node.labels.zone"] }
            if rng.bool() { spec.constraints = ["node.labels.zone==z0"] }
            if rng.int(in: 0...4) == 0 { spec.mode = .global; spec.replicas = 0 }
            let name = "svc-\(rng.int(in: 0...4))"
            try await h.putService(name, spec)
            return "put \(name) \(spec.mode) ×\(spec.replicas)"
        case 2:
            let name = "svc-\(rng.int(in: 0...4))"
            let deleted = (try? await h.store.write { tx in try ServiceRepository.delete(tx, name: name) }) != nil
            return deleted ? "delete \(name)" : "no \(name) to delete"
        case 3, 4:
            let placed = containers.filter { $0.node != nil && !$0.state.isTerminal }
            guard let container = rng.pick(placed) else { return "nothing placed" }
            let state: StatusReport.ReportedState = [.running, .running, .exited, .failed][rng.int(in: 0...3)]
            try await h.report(container.id, StatusReport(state: state, exitCode: state == .running ? nil : 1, healthy: state == .running ? rng.bool() : nil))
            return "report \(container.id) \(state)"
        case 5:
            guard let name = rng.pick(nodes) else { return "no node" }
            _ = try await h.store.write { tx in try NodeRepository.heartbeat(tx, name: name).name }
            return "heartbeat \(name)"
        case 6:
            cluster.clock.advance(by: .seconds(rng.int(in: 1...20)))
            return "time passes"
        case 7:
            guard let name = rng.pick(nodes) else { return "no node" }
            let node = try await h.nodes()[name]!
            let availability: Availability = [.active, .pause, .drain][rng.int(in: 0...2)]
            let spec = NodeSpec(address: node.address, labels: node.labels, capacity: node.capacity, availability: availability)
            _ = try await h.store.write { tx in try NodeRepository.put(tx, name: name, spec: spec).created }
            return "\(name) \(availability)"
        case 8:
            if rng.bool(), let name = rng.pick(nodes) {
                _ = try await h.store.write { tx in try NodeRepository.delete(tx, name: name).name }
                return "delete \(name)"
            }
            if let standalone = rng.pick(containers.filter { $0.service == nil }) {
                _ = try await h.store.write { tx in try ContainerRepository.delete(tx, id: standalone.id).id }
                return "delete standalone \(standalone.id)"
            }
            return "nothing to delete"
        case 10:
            let name = "job-\(rng.int(in: 0...2))"
            if rng.int(in: 0...3) == 0 {
                let deleted = (try? await h.store.write { tx in try JobRepository.delete(tx, name: name) }) != nil
                return deleted ? "delete \(name)" : "no \(name) to delete"
            }
            var spec = JobSpec(
                template: ContainerTemplate(image: "batch:1", resources: Resources(cpu: 100, memory: 32), restartPolicy: .never),
                completions: rng.int(in: 1...4), parallelism: rng.int(in: 0...3), backoffLimit: rng.int(in: 0...3), retryDelay: .seconds(1)
            )
            if rng.bool() { spec.constraints = ["node.labels.zone==z1"] }
            if rng.bool() { spec.placement.maxPerNode = 1 }
            // An existing job takes only a new parallelism; anything else is refused (409).
            let put = spec
            let created = try? await h.store.write { tx in try JobRepository.put(tx, name: name, spec: put).created }
            return "put \(name) ×\(spec.completions) ‖\(spec.parallelism) \(created.map { $0 ? "created" : "updated" } ?? "refused")"
        default:
            var spec = ContainerSpec(template: ContainerTemplate(image: "job:1", resources: Resources(cpu: 100, memory: 32)))
            if rng.bool() { spec.constraints = ["node.labels.zone==z1"] }
            let id = try await h.store.write { [spec] tx in try ContainerRepository.create(tx, spec: spec).id }
            return "run standalone \(id)"
        }
    }

    @Test func aServerRestartedOnTheSameFileBuildsTheSameStateAndGoesOn() async throws {
        try await H.with { h in
            let clock = ManualClock(date: Self.t0)
            let first = Cluster(h, clock: clock)
            for i in 0..<4 { try await h.addNode("node-\(i)", address: "198.18.0.\(i + 1)") }
            try await h.putService("web", ServiceSpec(replicas: 6, template: ContainerTemplate(image: "web:1", resources: Resources(cpu: 100, memory: 64))))
            try await first.passes()
            try await h.startAll()
            try await h.putService("web", ServiceSpec(replicas: 9, template: ContainerTemplate(image: "web:1", resources: Resources(cpu: 100, memory: 64))))
            // The new replicas are created, not yet placed, when the "server" goes away.
            _ = try await first.services.pass()
            let before = try await first.state.verify()
            #expect(before.isEmpty, "\(before)")

            let second = Cluster(h, clock: clock)
            #expect(try await second.state.verify().isEmpty)
            #expect(second.state.read { $0.pending.count } == 3)
            #expect(second.state.workDone.loads == 1)
            try await second.passes()
            #expect(try await h.containers().filter { $0.state == .scheduled }.count == 3)
            #expect(try await second.state.verify().isEmpty)
        }
    }
}
