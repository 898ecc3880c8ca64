import BerthCore
import Foundation
import Testing

/// A job seen by the periodic planner: runs read from their names, the parent's status after a plan.
@Suite struct JobPeriodicTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    static func job(_ name: String, _ state: JobState = .pending, completed: Date? = nil, parent: String? = "tick") -> Job {
        Job(
            name: name, spec: JobSpec(template: ContainerTemplate(image: "x", restartPolicy: .never)),
            status: JobStatus(state: state, completionTime: completed), parent: parent
        )
    }

    @Test(arguments: [
        ("tick-1800000060", JobState.running, PeriodicRun.State.active, 1_800_000_060.0 as Double?),
        ("tick-1800000120", .complete, .complete, 1_800_000_120),
        ("tick-1800000180", .failed, .failed, 1_800_000_180),
        ("tick-later", .pending, .active, nil),
        ("ticker-1800000060", .pending, .active, nil),
    ])
    func runsAreReadFromTheirNames(name: String, state: JobState, expected: PeriodicRun.State, seconds: Double?) {
        let run = Self.job(name, state).periodicRun(of: "tick")
        #expect(run?.scheduledTime.timeIntervalSince1970 == seconds)
        if seconds != nil { #expect(run?.state == expected) }
    }

    @Test func theStatusAfterAPlanCountsTheActiveRunsAndTheLastSuccess() throws {
        var parent = Self.job("tick", parent: nil)
        parent.spec.schedule = try CronSchedule(parsing: "@every 1m")
        parent.status.lastSuccessfulTime = Self.t0
        let runs = [
            Self.job("tick-1", .complete, completed: Self.t0.addingTimeInterval(90)),
            Self.job("tick-2", .running), Self.job("tick-3", .pending),
        ]
        let plan = PeriodicPlan(
            start: .init(name: "tick-4", scheduledTime: Self.t0.addingTimeInterval(240)), delete: ["tick-2"],
            lastScheduleTime: Self.t0.addingTimeInterval(240)
        )
        let status = parent.periodicStatus(after: plan, runs: runs)
        #expect(status.activeRuns == ["tick-3", "tick-4"] && status.active == 2 && status.state == .running)
        #expect(status.lastScheduleTime == Self.t0.addingTimeInterval(240))
        #expect(status.lastSuccessfulTime == Self.t0.addingTimeInterval(90))
        parent.spec.suspend = true
        #expect(parent.periodicStatus(after: PeriodicPlan(), runs: []).state == .suspended)
        parent.spec.suspend = false
        #expect(parent.periodicStatus(after: PeriodicPlan(), runs: [runs[0]]).state == .pending)
        #expect(parent.periodicStatus(after: PeriodicPlan(), runs: [runs[0]]).lastSuccessfulTime == Self.t0.addingTimeInterval(90))
    }

    @Test func aRunIsTheParentWithoutItsSchedule() throws {
        var spec = JobSpec(template: ContainerTemplate(image: "x", restartPolicy: .never), completions: 3, suspend: true)
        spec.schedule = try CronSchedule(parsing: "@daily")
        spec.concurrencyPolicy = .forbid
        spec.startingDeadline = .seconds(60)
        let run = spec.runSpec
        #expect(run.schedule == nil && !run.isPeriodic && run.completions == 3 && !run.suspend && run.startingDeadline == nil)
        #expect(run.concurrencyPolicy == .allow)
    }
}
