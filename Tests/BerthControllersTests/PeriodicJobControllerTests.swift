import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

/// Periodic jobs through the job controller, on the store's manual clock: one run per period,
/// one late run after an outage, `forbid` never overlapping, history pruned, the controller
/// waking at the next fire time.
@Suite struct PeriodicJobControllerTests {
    typealias H = ControllerHarness

    static func spec(_ schedule: String = "@every 1m", policy: ConcurrencyPolicy = .allow, successful: Int = 3, failed: Int = 1) throws -> JobSpec {
        JobSpec(
            template: ContainerTemplate(image: "worker:1", restartPolicy: .never), schedule: try CronSchedule(parsing: schedule),
            concurrencyPolicy: policy, successfulJobsHistoryLimit: successful, failedJobsHistoryLimit: failed
        )
    }

    struct Setup {
        let clock: ManualClock
        let jobs: JobController
        let created: Date
    }

    func setUp(_ h: H, _ spec: JobSpec) async throws -> Setup {
        let clock = try #require(h.store.clock as? ManualClock)
        let jobs = JobController(state: ClusterState(store: h.store), logger: H.quiet)
        let parent = try await h.store.write { tx in try JobRepository.put(tx, name: "tick", spec: spec).0 }
        return Setup(clock: clock, jobs: jobs, created: try #require(parent.createTime))
    }

    func job(_ h: H, _ name: String) async throws -> Job? {
        try await h.store.readDatabase { db in try JobRepository.fetch(db, name) }.value
    }

    func runs(_ h: H) async throws -> [Job] {
        try await h.store.readDatabase { db in try JobRepository.runs(db, parent: "tick") }.value
    }

    func run(_ s: Setup, after periods: Int) -> String {
        PeriodicPlanner.runName(parent: "tick", scheduledTime: s.created.addingTimeInterval(60 * Double(periods)))
    }

    /// Finishes a run as the job planner would once its containers ended.
    func finish(_ h: H, _ name: String, _ state: JobState) async throws {
        _ = try await h.store.write { tx in
            var job = try #require(try JobRepository.fetch(tx.db, name))
            job.status.state = state
            job.status.completionTime = tx.now
            return try JobRepository.save(tx, job).name
        }
    }

    @Test func startsOneRunPerPeriodAndWakesAtTheNext() async throws {
        try await H.with { h in
            let s = try await setUp(h, try Self.spec())
            let first = try await s.jobs.pass()
            #expect(first.wakeAt == s.created.addingTimeInterval(60), "it sleeps until the first fire time")
            #expect(try await runs(h).isEmpty)
            for period in 1...3 {
                s.clock.advance(by: .seconds(60))
                let outcome = try await s.jobs.pass()
                _ = try await s.jobs.pass()  // its own writes, planned again: nothing more starts
                #expect(outcome.wakeAt == s.created.addingTimeInterval(60 * Double(period + 1)))
                let names = try await runs(h).map(\.name)
                #expect(names == (1...period).map { run(s, after: $0) })
                let parent = try #require(try await job(h, "tick"))
                #expect(parent.status.lastScheduleTime == s.created.addingTimeInterval(60 * Double(period)))
                #expect(parent.status.activeRuns == names && parent.status.active == period && parent.status.state == .running)
            }
            let child = try #require(try await job(h, run(s, after: 1)))
            #expect(child.parent == "tick" && child.spec.schedule == nil && child.spec.template.image == "worker:1")
            #expect(try await h.containers().contains { $0.job == child.name }, "a run is planned as any job")
            try await finish(h, child.name, .complete)
            _ = try await s.jobs.pass()
            let parent = try #require(try await job(h, "tick"))
            #expect(parent.status.lastSuccessfulTime == s.clock.date && parent.status.active == 2)
        }
    }

    @Test func aServerDownForSeveralPeriodsStartsOneLateRun() async throws {
        try await H.with { h in
            let s = try await setUp(h, try Self.spec())
            _ = try await s.jobs.pass()
            s.clock.advance(by: .seconds(60 * 5 + 10))
            _ = try await s.jobs.pass()
            _ = try await s.jobs.pass()
            #expect(try await runs(h).map(\.name) == [run(s, after: 5)], "only the latest missed time, never a storm")
            #expect(try await job(h, "tick")?.status.lastScheduleTime == s.created.addingTimeInterval(300))
        }
    }

    @Test func aMissedRunBeyondTheStartingDeadlineIsSkipped() async throws {
        try await H.with { h in
            var spec = try Self.spec()
            spec.startingDeadline = .seconds(5)
            let s = try await setUp(h, spec)
            s.clock.advance(by: .seconds(60 * 2 + 30))
            _ = try await s.jobs.pass()
            #expect(try await runs(h).isEmpty)
            #expect(try await job(h, "tick")?.status.lastScheduleTime == s.created.addingTimeInterval(120), "not tried again")
            s.clock.advance(by: .seconds(30))
            _ = try await s.jobs.pass()
            #expect(try await runs(h).map(\.name) == [run(s, after: 3)])
        }
    }

    @Test func forbidNeverOverlaps() async throws {
        try await H.with { h in
            let s = try await setUp(h, try Self.spec(policy: .forbid))
            var started: [String] = []
            for period in 1...6 {
                s.clock.advance(by: .seconds(60))
                _ = try await s.jobs.pass()
                let all = try await runs(h)
                #expect(all.filter { !$0.status.state.isFinished }.count <= 1, "period \(period)")
                started = all.map(\.name)
                // Each run lasts a period and a half: it ends in the middle of the next.
                if period % 2 == 0, let active = all.first(where: { !$0.status.state.isFinished }) {
                    try await finish(h, active.name, .complete)
                    _ = try await s.jobs.pass()
                }
            }
            #expect(started == [run(s, after: 1), run(s, after: 3), run(s, after: 5)], "the runs due while one was active were skipped")
        }
    }

    @Test func replaceDeletesTheActiveRun() async throws {
        try await H.with { h in
            let s = try await setUp(h, try Self.spec(policy: .replace))
            s.clock.advance(by: .seconds(60))
            _ = try await s.jobs.pass()
            s.clock.advance(by: .seconds(60))
            _ = try await s.jobs.pass()
            #expect(try await runs(h).map(\.name) == [run(s, after: 2)])
            #expect(try await h.containers().allSatisfy { $0.job != run(s, after: 1) }, "its containers went with it")
        }
    }

    @Test func finishedRunsBeyondTheHistoryLimitsAreDeleted() async throws {
        try await H.with { h in
            let s = try await setUp(h, try Self.spec(successful: 2, failed: 1))
            let outcomes: [JobState] = [.complete, .failed, .complete, .failed, .complete]
            for (period, outcome) in zip(1..., outcomes) {
                s.clock.advance(by: .seconds(60))
                _ = try await s.jobs.pass()
                try await finish(h, run(s, after: period), outcome)
                _ = try await s.jobs.pass()
            }
            #expect(try await runs(h).map(\.name) == [run(s, after: 3), run(s, after: 4), run(s, after: 5)])
            let parent = try #require(try await job(h, "tick"))
            #expect(parent.status.activeRuns.isEmpty && parent.status.state == .pending)
        }
    }

    @Test func suspendStartsNothingAndDeletingTheParentDeletesItsRuns() async throws {
        try await H.with { h in
            var spec = try Self.spec()
            let s = try await setUp(h, spec)
            s.clock.advance(by: .seconds(60))
            _ = try await s.jobs.pass()
            spec.suspend = true
            let suspended = spec
            _ = try await h.store.write { tx in try JobRepository.put(tx, name: "tick", spec: suspended).created }
            s.clock.advance(by: .seconds(60))
            let outcome = try await s.jobs.pass()
            #expect(outcome.wakeAt == nil || outcome.wakeAt! > s.clock.date)
            #expect(try await runs(h).count == 1)
            #expect(try await job(h, "tick")?.status.state == .suspended)
            _ = try await h.store.write { tx in try JobRepository.delete(tx, name: "tick").name }
            #expect(try await runs(h).isEmpty)
            #expect(try await h.containers().allSatisfy { $0.job == nil })
        }
    }
}
