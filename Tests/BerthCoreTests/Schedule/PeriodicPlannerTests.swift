import BerthCore
import Foundation
import Testing

/// The periodic planner on an explicit `now`: every case states the clock it plans at.
@Suite struct PeriodicPlannerTests {
    static let created = instant("2026-01-01T00:00:00Z")

    /// `created` plus whole minutes.
    static func at(_ minutes: Double) -> Date { created.addingTimeInterval(minutes * 60) }

    static func planner(
        _ schedule: String = "*/5 * * * *", policy: ConcurrencyPolicy = .allow, deadline: Duration? = nil,
        suspend: Bool = false, successful: Int = 3, failed: Int = 1
    ) throws -> PeriodicPlanner {
        PeriodicPlanner(
            name: "backup", schedule: try CronSchedule(parsing: schedule), createdAt: created, concurrencyPolicy: policy,
            startingDeadline: deadline, suspend: suspend, successfulHistoryLimit: successful, failedHistoryLimit: failed
        )
    }

    static func run(_ minutes: Double, _ state: PeriodicRun.State = .active) -> PeriodicRun {
        let time = at(minutes)
        return PeriodicRun(
            name: PeriodicPlanner.runName(parent: "backup", scheduledTime: time), scheduledTime: time, state: state,
            finishTime: state == .active ? nil : time.addingTimeInterval(30)
        )
    }

    static func name(_ minutes: Double) -> String { PeriodicPlanner.runName(parent: "backup", scheduledTime: at(minutes)) }

    @Test func nothingBeforeTheFirstTime() throws {
        let plan = try Self.planner().plan(runs: [], lastScheduleTime: nil, now: Self.at(3))
        #expect(plan == PeriodicPlan(wakeAt: Self.at(5)))
    }

    @Test func startsARunNamedAfterItsTime() throws {
        let plan = try Self.planner().plan(runs: [], lastScheduleTime: nil, now: Self.at(5.01))
        #expect(plan.start == PeriodicPlan.Run(name: "backup-1767225900", scheduledTime: Self.at(5)))
        #expect(plan.lastScheduleTime == Self.at(5))
        #expect(plan.wakeAt == Self.at(10))
        #expect(plan.delete.isEmpty && plan.skipped == nil)
    }

    @Test func oneLateRunAfterAnHourDown() throws {
        // Given the last run at 00:05, when the server comes back at 01:05:30 (12 times missed),
        let planner = try Self.planner()
        let plan = planner.plan(runs: [Self.run(5, .complete)], lastScheduleTime: Self.at(5), now: Self.at(65.5))
        // then only the latest missed time starts,
        #expect(plan.start?.scheduledTime == Self.at(65))
        #expect(plan.lastScheduleTime == Self.at(65))
        #expect(plan.wakeAt == Self.at(70))
        // and the next pass, with that run stored, starts nothing more.
        let again = planner.plan(runs: [Self.run(5, .complete), Self.run(65)], lastScheduleTime: Self.at(65), now: Self.at(66))
        #expect(again.start == nil && again.skipped == nil)
        #expect(again.lastScheduleTime == Self.at(65))
    }

    @Test func aRunAlreadyStartedIsNotStartedAgain() throws {
        // The child was created but the status write was lost (a crash, or another server).
        let plan = try Self.planner().plan(runs: [Self.run(10)], lastScheduleTime: Self.at(5), now: Self.at(11))
        #expect(plan.start == nil && plan.skipped == nil)
        #expect(plan.lastScheduleTime == Self.at(10))
    }

    @Test func samePlanHoweverOftenItRuns() throws {
        let planner = try Self.planner(policy: .replace)
        let runs = [Self.run(5), Self.run(0, .complete)]
        let first = planner.plan(runs: runs, lastScheduleTime: Self.at(5), now: Self.at(12))
        #expect(planner.plan(runs: runs, lastScheduleTime: Self.at(5), now: Self.at(12)) == first)
        #expect(planner.plan(runs: runs.reversed(), lastScheduleTime: Self.at(5), now: Self.at(12)) == first)
    }

    @Test func aRunLaterThanTheStartingDeadlineIsSkipped() throws {
        let planner = try Self.planner(deadline: .seconds(60))
        let late = planner.plan(runs: [], lastScheduleTime: Self.at(5), now: Self.at(66.5))
        #expect(late.start == nil)
        #expect(late.skipped == PeriodicPlan.Skip(scheduledTime: Self.at(65), reason: .missedDeadline(late: .seconds(90), deadline: .seconds(60))))
        #expect(late.skipped?.message == "skipped the run due at 1767229500: found 90s late, more than startingDeadline 1m")
        #expect(late.lastScheduleTime == Self.at(65))
        #expect(late.wakeAt == Self.at(70))
        // Not tried again on the next pass,
        let after = planner.plan(runs: [], lastScheduleTime: Self.at(65), now: Self.at(67))
        #expect(after.start == nil && after.skipped == nil)
        // and within the deadline it starts.
        let inTime = planner.plan(runs: [], lastScheduleTime: Self.at(5), now: Self.at(65.5))
        #expect(inTime.start?.scheduledTime == Self.at(65))
        let onTheDeadline = planner.plan(runs: [], lastScheduleTime: Self.at(5), now: Self.at(66))
        #expect(onTheDeadline.start?.scheduledTime == Self.at(65))
    }

    @Test func forbidSkipsWhileARunIsActive() throws {
        let planner = try Self.planner(policy: .forbid)
        let busy = planner.plan(runs: [Self.run(5)], lastScheduleTime: Self.at(5), now: Self.at(10))
        #expect(busy.start == nil)
        #expect(busy.skipped == PeriodicPlan.Skip(scheduledTime: Self.at(10), reason: .forbidden(active: [Self.name(5)])))
        #expect(busy.skipped?.message == "skipped the run due at 1767226200: concurrencyPolicy forbid and backup-1767225900 still active")
        #expect(busy.lastScheduleTime == Self.at(10))
        // The run ending does not start the skipped one late,
        let ended = planner.plan(runs: [Self.run(5, .complete)], lastScheduleTime: Self.at(10), now: Self.at(12))
        #expect(ended.start == nil)
        // the next time does.
        let next = planner.plan(runs: [Self.run(5, .complete)], lastScheduleTime: Self.at(10), now: Self.at(15))
        #expect(next.start?.scheduledTime == Self.at(15))
    }

    @Test func replaceStopsTheActiveRuns() throws {
        let planner = try Self.planner(policy: .replace)
        let plan = planner.plan(runs: [Self.run(10), Self.run(5), Self.run(0, .complete)], lastScheduleTime: Self.at(10), now: Self.at(15))
        #expect(plan.start?.scheduledTime == Self.at(15))
        #expect(plan.delete == [Self.name(5), Self.name(10)])
        // Nothing due: nothing replaced.
        let quiet = planner.plan(runs: [Self.run(15)], lastScheduleTime: Self.at(15), now: Self.at(16))
        #expect(quiet.delete.isEmpty && quiet.start == nil)
    }

    @Test func allowOverlaps() throws {
        let plan = try Self.planner(policy: .allow).plan(runs: [Self.run(5), Self.run(10)], lastScheduleTime: Self.at(10), now: Self.at(15))
        #expect(plan.start?.scheduledTime == Self.at(15))
        #expect(plan.delete.isEmpty)
    }

    @Test func historyKeepsTheNewestFinishedRuns() throws {
        let runs = [
            Self.run(0, .complete), Self.run(5, .failed), Self.run(10, .complete), Self.run(15, .complete),
            Self.run(20, .failed), Self.run(25, .complete), Self.run(30, .complete), Self.run(35, .failed), Self.run(40),
        ]
        let plan = try Self.planner().plan(runs: runs.shuffled(), lastScheduleTime: Self.at(40), now: Self.at(41))
        // The newest 3 successful (15, 25, 30) and 1 failed (35) are kept.
        #expect(plan.delete == [Self.name(0), Self.name(5), Self.name(10), Self.name(20)])
        let none = try Self.planner(successful: 0, failed: 0).plan(runs: runs, lastScheduleTime: Self.at(40), now: Self.at(41))
        #expect(none.delete == [0, 5, 10, 15, 20, 25, 30, 35].map(Self.name))
        let all = try Self.planner(successful: 10, failed: 10).plan(runs: runs, lastScheduleTime: Self.at(40), now: Self.at(41))
        #expect(all.delete.isEmpty)
    }

    @Test func suspendedStartsNothingAndResumesWithOneRun() throws {
        let runs = [Self.run(0, .complete), Self.run(5, .complete), Self.run(10, .complete), Self.run(15, .complete), Self.run(20)]
        let suspended = try Self.planner(suspend: true).plan(runs: runs, lastScheduleTime: Self.at(20), now: Self.at(300))
        #expect(suspended.start == nil && suspended.skipped == nil && suspended.wakeAt == nil)
        #expect(suspended.lastScheduleTime == Self.at(20))
        #expect(suspended.delete == [Self.name(0)])  // history is still pruned; the active run stays
        let resumed = try Self.planner().plan(runs: runs, lastScheduleTime: Self.at(20), now: Self.at(301))
        #expect(resumed.start?.scheduledTime == Self.at(300))
        let resumedLate = try Self.planner(deadline: .seconds(30)).plan(runs: runs, lastScheduleTime: Self.at(20), now: Self.at(301))
        #expect(resumedLate.start == nil && resumedLate.lastScheduleTime == Self.at(300))
    }

    @Test func everyCountsFromCreation() throws {
        let created = Self.created.addingTimeInterval(0.25)
        let planner = PeriodicPlanner(name: "tick", schedule: try CronSchedule(parsing: "@every 30s"), createdAt: created)
        let plan = planner.plan(runs: [], lastScheduleTime: nil, now: Self.created.addingTimeInterval(95))
        #expect(plan.start == PeriodicPlan.Run(name: "tick-1767225690", scheduledTime: Self.created.addingTimeInterval(90)))
        #expect(plan.wakeAt == Self.created.addingTimeInterval(120))
    }

    @Test func timesAreReadInTheJobsZone() throws {
        // 02:30 does not exist in New York on 2026-03-08: the run is at 03:00 EDT (07:00Z).
        let planner = PeriodicPlanner(
            name: "nightly", schedule: try CronSchedule(parsing: "30 2 * * *"), timeZone: zone("America/New_York"), createdAt: Self.created
        )
        let plan = planner.plan(runs: [], lastScheduleTime: instant("2026-03-07T02:30:00-05:00"), now: instant("2026-03-08T03:00:05-04:00"))
        #expect(plan.start == PeriodicPlan.Run(name: "nightly-1772953200", scheduledTime: instant("2026-03-08T07:00:00Z")))
        #expect(plan.wakeAt == instant("2026-03-09T02:30:00-04:00"))
    }

    @Test func runNamesFitADNSLabel() {
        let parent = String(repeating: "a", count: PeriodicPlanner.maxNameLength)
        let name = PeriodicPlanner.runName(parent: parent, scheduledTime: instant("2286-11-20T17:46:39Z"))
        #expect(Rules.isDNSLabel(name))
    }

    @Test func concurrencyPolicyDecodesWithTheAllowedValuesListed() throws {
        #expect(try JSONDecoder().decode([ConcurrencyPolicy].self, from: Data(#"["allow","forbid","replace"]"#.utf8)) == [.allow, .forbid, .replace])
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([ConcurrencyPolicy].self, from: Data(#"["sometimes"]"#.utf8)) }
        #expect(ConcurrencyPolicy.defaultValue == .allow)
    }
}
