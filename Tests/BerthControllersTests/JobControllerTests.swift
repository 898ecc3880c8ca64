import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

/// The job controller against a real store: it runs a job to completion through the
/// scheduler, plans only what changed, and the cluster state agrees with the store throughout.
@Suite struct JobControllerTests {
    typealias H = ControllerHarness
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func spec(completions: Int = 3, parallelism: Int = 2, mode: JobCompletionMode = .nonIndexed, ttl: Duration? = nil) -> JobSpec {
        JobSpec(
            template: ContainerTemplate(image: "worker:1", restartPolicy: .never), completions: completions, parallelism: parallelism,
            completionMode: mode, retryDelay: .seconds(1), ttlAfterFinished: ttl
        )
    }

    func job(_ h: H, _ name: String) async throws -> Job? {
        try await h.store.readDatabase { db in try JobRepository.fetch(db, name) }.value
    }

    func jobContainers(_ h: H, _ name: String) async throws -> [Container] {
        try await h.containers().filter { $0.job == name }
    }

    @Test func runsAnIndexedJobToCompletionThroughTheScheduler() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "198.18.0.1")
            let clock = ManualClock(date: Self.t0)
            let state = ClusterState(store: h.store)
            let jobs = JobController(state: state, logger: H.quiet, clock: clock)
            _ = try await h.store.write { tx in try JobRepository.put(tx, name: "batch", spec: Self.spec(mode: .indexed)).created }
            _ = try await jobs.pass()
            var containers = try await jobContainers(h, "batch")
            #expect(containers.map(\.jobIndex) == [0, 1])
            #expect(containers.map { $0.template.env["BERTH_JOB_INDEX"] } == ["0", "1"])
            #expect(try await job(h, "batch")?.status.state == .pending)
            #expect(try await SchedulerController(state: state, logger: H.quiet).pass() == 2)
            try await h.startAll()
            _ = try await jobs.pass()
            #expect(try await job(h, "batch")?.status.state == .running)

            // Index 0 succeeds (reported twice), index 1 fails: index 2 starts, 1 waits its delay.
            try await h.report(containers[0].id, StatusReport(state: .exited, exitCode: 0))
            try await h.report(containers[0].id, StatusReport(state: .exited, exitCode: 0))
            try await h.report(containers[1].id, StatusReport(state: .exited, exitCode: 1))
            let waiting = try await jobs.pass()
            #expect(waiting.wakeAt == Self.t0.addingTimeInterval(1))
            containers = try await jobContainers(h, "batch")
            #expect(containers.compactMap(\.jobIndex) == [0, 1, 2])
            var status = try #require(try await job(h, "batch")?.status)
            #expect(status.succeeded == 1 && status.failed == 1 && status.active == 1 && status.completedIndexes == "0")
            clock.advance(by: .seconds(1))
            _ = try await jobs.pass()
            containers = try await jobContainers(h, "batch")
            let retry = try #require(containers.last)
            #expect(retry.jobIndex == 1 && retry.attempt == 1, "a retry keeps its index")

            #expect(try await SchedulerController(state: state, logger: H.quiet).pass() == 2)
            try await h.startAll()
            for c in containers where !c.state.isTerminal { try await h.report(c.id, StatusReport(state: .exited, exitCode: 0)) }
            _ = try await jobs.pass()
            status = try #require(try await job(h, "batch")?.status)
            #expect(status.state == .complete && status.succeeded == 3 && status.failed == 1 && status.completedIndexes == "0-2")
            #expect(status.completionTime == clock.date)
            #expect(try await h.nodes()["n1"]?.allocated == .zero, "finished containers hold nothing")
            #expect(try await state.verify().isEmpty)
        }
    }

    @Test func aLostNodesContainersCountAsFailuresAndAreRetriedElsewhere() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "198.18.0.1")
            try await h.addNode("n2", address: "198.18.0.2")
            let clock = ManualClock(date: Self.t0)
            let state = ClusterState(store: h.store)
            let jobs = JobController(state: state, logger: H.quiet, clock: clock)
            var onFailure = Self.spec(completions: 1, parallelism: 1, mode: .indexed)
            onFailure.template.restartPolicy = .onFailure
            let spec = onFailure
            _ = try await h.store.write { tx in try JobRepository.put(tx, name: "once", spec: spec).created }
            _ = try await jobs.pass()
            _ = try await SchedulerController(state: state, logger: H.quiet).pass()
            try await h.startAll()
            let first = try #require(try await jobContainers(h, "once").first)
            let lostNode = try #require(first.node)
            // Its node goes silent while the other heartbeats: node lifecycle marks it down and
            // the container lost.
            let storeClock = try #require(h.store.clock as? ManualClock)
            storeClock.advance(by: .seconds(20))
            clock.advance(by: .seconds(20))
            let other = lostNode == "n1" ? "n2" : "n1"
            _ = try await h.store.write { tx in try NodeRepository.heartbeat(tx, name: other).name }
            _ = try await NodeLifecycleController(state: state, timeout: .seconds(15), logger: H.quiet, clock: clock).pass()
            #expect(try await jobContainers(h, "once").first?.state == .lost)
            clock.advance(by: .seconds(1))
            _ = try await jobs.pass()
            let status = try #require(try await job(h, "once")?.status)
            #expect(status.failed == 1 && status.state == .running)
            let retry = try #require(try await jobContainers(h, "once").last)
            #expect(retry.id != first.id && retry.jobIndex == 0 && retry.attempt == 1)
            #expect(retry.preferences.isEmpty, "a lost node is not preferred")
            _ = try await SchedulerController(state: state, logger: H.quiet).pass()
            let placed = try #require(try await jobContainers(h, "once").last?.node)
            #expect(placed != lostNode, "retried elsewhere")
            try await h.startAll()
            try await h.report(retry.id, StatusReport(state: .exited, exitCode: 2))
            clock.advance(by: .seconds(10))
            _ = try await jobs.pass()
            let inPlace = try #require(try await jobContainers(h, "once").last)
            #expect(inPlace.preferences.map(\.constraint.description) == ["node.name==\(placed)"], "on-failure retries in place")
            #expect(try await state.verify().isEmpty)
        }
    }

    @Test func aPassPlansOnlyTheJobsThatChanged() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "198.18.0.1")
            let clock = ManualClock(date: Self.t0)
            let state = ClusterState(store: h.store)
            let jobs = JobController(state: state, logger: H.quiet, clock: clock)
            for name in ["a", "b", "c"] {
                _ = try await h.store.write { tx in try JobRepository.put(tx, name: name, spec: Self.spec()).created }
            }
            _ = try await jobs.pass()
            #expect(jobs.work.value.fullPasses == 1 && jobs.work.value.jobsPlanned == 3)
            _ = try await jobs.pass()  // its own writes touched all three once more
            let before = jobs.work.value
            let one = try #require(try await jobContainers(h, "b").first)
            _ = try await h.store.write { tx in try ContainerRepository.delete(tx, id: one.id).id }
            _ = try await jobs.pass()
            #expect(jobs.work.value.jobsPlanned == before.jobsPlanned + 1, "only b is planned")
            #expect(try await jobContainers(h, "b").count == 2, "b got its container back")
        }
    }

    @Test func aFinishedJobIsDeletedWithItsContainersAfterItsTTL() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "198.18.0.1")
            let clock = ManualClock(date: Self.t0)
            let state = ClusterState(store: h.store)
            let jobs = JobController(state: state, logger: H.quiet, clock: clock)
            _ = try await h.store.write { tx in try JobRepository.put(tx, name: "once", spec: Self.spec(completions: 1, parallelism: 1, ttl: .seconds(30))).created }
            _ = try await jobs.pass()
            _ = try await SchedulerController(state: state, logger: H.quiet).pass()
            try await h.startAll()
            let only = try #require(try await jobContainers(h, "once").first)
            try await h.report(only.id, StatusReport(state: .exited, exitCode: 0))
            let done = try await jobs.pass()
            #expect(try await job(h, "once")?.status.state == .complete)
            #expect(done.wakeAt == Self.t0.addingTimeInterval(30))
            #expect(try await jobContainers(h, "once").count == 1, "kept, readable, until the TTL")
            clock.advance(by: .seconds(30))
            _ = try await jobs.pass()
            #expect(try await job(h, "once") == nil)
            #expect(try await jobContainers(h, "once").isEmpty)
            #expect(try await state.verify().isEmpty)
        }
    }
}
