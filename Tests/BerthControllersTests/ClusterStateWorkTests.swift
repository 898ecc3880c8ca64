import BerthControllers
import BerthCore
import BerthStore
import BerthTesting
import Foundation
import Testing

/// Passes cost what changed: proved by counting the work (rows read back, containers planned,
/// nodes examined), the same for a burst in a small cluster and in one twenty times larger.
@Suite struct ClusterStateWorkTests {
    typealias H = ControllerHarness

    struct Cost: Equatable {
        var rowsRead: Int
        var containersPlanned: Int
        var servicesPlanned: Int
        var nodesExamined: Int
        var requests: Int
    }

    /// Scales a fresh service 0 → `burst` in a cluster already running `background` containers
    /// and returns what the passes of the burst cost.
    static func burstCost(background: Int, burst: Int = 40) async throws -> Cost {
        try await H.with { h in
            let clock = ManualClock(date: Date(timeIntervalSince1970: 1_800_000_000))
            let cluster = ClusterStateTests.Cluster(h, clock: clock)
            for i in 0..<100 {
                try await h.addNode("node-\(i)", address: "198.18.\(i / 200).\(i % 200 + 1)", cpu: 1_000_000, memory: 10_000_000)
            }
            let template = ContainerTemplate(image: "bg:1", resources: Resources(cpu: 10, memory: 16))
            for s in 0..<10 { try await h.putService("bg-\(s)", ServiceSpec(replicas: background / 10, template: template)) }
            try await cluster.passes()
            try await cluster.passes()
            #expect(cluster.state.read { $0.pending.count } == 0)
            let burstTemplate = ContainerTemplate(image: "burst:1", resources: Resources(cpu: 10, memory: 16))
            try await h.putService("burst", ServiceSpec(replicas: 0, template: burstTemplate))
            try await cluster.passes()

            let rows = cluster.state.workDone.rowsRead
            let planned = cluster.services.work.value
            let scheduled = cluster.scheduler.work.value
            try await h.putService("burst", ServiceSpec(replicas: burst, template: burstTemplate))
            try await cluster.passes()  // creates, then places
            try await cluster.passes()  // sees its own writes: nothing left to do
            #expect(try await h.containers(service: "burst").filter { $0.state == .scheduled }.count == burst)
            let problems = try await cluster.state.verify()
            #expect(problems.isEmpty, "\(problems)")
            let after = (cluster.services.work.value, cluster.scheduler.work.value)
            #expect(after.0.fullPasses == planned.fullPasses, "a scale-up is not a full pass")
            return Cost(
                rowsRead: cluster.state.workDone.rowsRead - rows,
                containersPlanned: after.0.containersPlanned - planned.containersPlanned,
                servicesPlanned: after.0.servicesPlanned - planned.servicesPlanned,
                nodesExamined: after.1.nodesExamined - scheduled.nodesExamined,
                requests: after.1.requests - scheduled.requests
            )
        }
    }

    @Test func aBurstCostsTheSameInAClusterTwentyTimesLarger() async throws {
        let small = try await Self.burstCost(background: 100)
        let large = try await Self.burstCost(background: 2000)
        #expect(small == large, "small \(small), large \(large)")
        // What the burst itself is: its 40 containers read back when created and when placed,
        // planned twice (the create pass and the pass that sees it), one sample of nodes each.
        #expect(large.rowsRead <= 2 * 40 + 5)
        #expect(large.containersPlanned <= 2 * 40)
        #expect(large.servicesPlanned <= 4)
        #expect(large.requests == 40)
        #expect(large.nodesExamined <= 40 * Scheduler().sampleSize)
    }

    /// A queue of containers that fit nowhere is not walked by the passes beside it: a replica
    /// added is the pass's one request, and the queue is looked at again once a minute.
    @Test func aReplicaAddedBesideThousandsHeldIsPlannedAlone() async throws {
        try await H.with { h in
            let clock = ManualClock(date: Date(timeIntervalSince1970: 1_800_000_000))
            let storeClock = try #require(h.store.clock as? ManualClock)
            storeClock.setDate(clock.date)
            let cluster = ClusterStateTests.Cluster(h, clock: clock)
            for i in 0..<10 { try await h.addNode("node-\(i)", address: "198.18.0.\(i + 1)", cpu: 1000) }
            try await h.putService("stuck", ServiceSpec(replicas: 2000, template: ContainerTemplate(image: "big:1", resources: Resources(cpu: 4000, memory: 16))))
            try await cluster.passes()
            #expect(cluster.state.read { $0.pending.count } == 2000)
            let before = cluster.scheduler.work.value
            #expect(before.queueWalks == 1)

            let template = ContainerTemplate(image: "web:1", resources: Resources(cpu: 10, memory: 16))
            for replicas in 1...5 {
                try await h.putService("web", ServiceSpec(replicas: replicas, template: template))
                try await cluster.passes()
            }
            #expect(try await h.containers(service: "web").filter { $0.state == .scheduled }.count == 5)
            let after = cluster.scheduler.work.value
            #expect(after.requests - before.requests == 5, "one request a pass: the new replica")
            #expect(after.queueExamined - before.queueExamined == 5, "the 2,000 held are not looked at")
            #expect(after.queueWalks == before.queueWalks)

            storeClock.advance(by: .seconds(61))
            _ = try await cluster.scheduler.pass()
            let later = cluster.scheduler.work.value
            #expect(later.queueWalks == before.queueWalks + 1, "a minute on, the queue is walked")
            #expect(later.requests - after.requests == 2000, "and every held container tried again")
            #expect(try await h.containers(service: "stuck").allSatisfy { $0.state == .pending && $0.reason?.hasPrefix("0/10 nodes available") == true })
        }
    }

    @Test func aHeartbeatReadsOneNodeAndPlansNothing() async throws {
        try await H.with { h in
            let clock = ManualClock(date: Date(timeIntervalSince1970: 1_800_000_000))
            let cluster = ClusterStateTests.Cluster(h, clock: clock)
            for i in 0..<20 { try await h.addNode("node-\(i)", address: "198.18.0.\(i + 1)") }
            try await h.putService("web", ServiceSpec(replicas: 30, template: ContainerTemplate(image: "web:1", resources: Resources(cpu: 10, memory: 16))))
            try await cluster.passes()
            try await cluster.passes()
            let rows = cluster.state.workDone.rowsRead
            let planned = cluster.services.work.value
            let scheduled = cluster.scheduler.work.value
            _ = try await h.store.write { tx in try NodeRepository.heartbeat(tx, name: "node-3").name }
            try await cluster.passes()
            #expect(cluster.state.workDone.rowsRead - rows == 1)
            #expect(cluster.services.work.value.containersPlanned == planned.containersPlanned)
            #expect(cluster.scheduler.work.value == scheduled)
            #expect(cluster.state.workDone.loads == 1)
        }
    }
}

/// Node timeouts come from the heartbeat heap: a pass with nobody overdue looks at no node, and
/// one silent node among two hundred is the only one looked at when it falls due.
@Suite struct NodeTimeoutWorkTests {
    typealias H = ControllerHarness

    @Test func onlyTheOverdueNodeIsExamined() async throws {
        try await H.with { h in
            let clock = ManualClock(date: Date(timeIntervalSince1970: 1_800_000_000))
            let cluster = ClusterStateTests.Cluster(h, clock: clock)
            // Registration stamps the heartbeat with the store's clock: keep it with the loops'.
            let storeClock = try #require(h.store.clock as? ManualClock)
            storeClock.setDate(clock.date)
            for i in 0..<200 { try await h.addNode("node-\(i)", address: "198.18.\(i / 200).\(i % 200 + 1)") }
            _ = try await cluster.lifecycle.pass()
            #expect(cluster.lifecycle.work.value.nodesExamined == 0)

            for _ in 0..<2 {
                clock.advance(by: .seconds(8))
                storeClock.setDate(clock.date)
                for i in 1..<200 { _ = try await h.store.write { tx in try NodeRepository.heartbeat(tx, name: "node-\(i)").name } }
                _ = try await cluster.lifecycle.pass()
            }
            #expect(cluster.lifecycle.work.value.nodesExamined == 1, "node-0, silent for 16 s of a 15 s timeout")
            #expect(try await h.nodes()["node-0"]?.status == .down)
            #expect(try await h.nodes().values.filter { $0.status == .down }.count == 1)
            let problems = try await cluster.state.verify()
            #expect(problems.isEmpty, "\(problems)")
        }
    }
}
