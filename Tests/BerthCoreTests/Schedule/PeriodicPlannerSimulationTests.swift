import BerthCore
import BerthTesting
import Foundation
import Testing

/// A periodic job driven through random outages and run endings, its plan applied after every
/// pass, with the invariants checked each time: one run per due time at most, the latest due
/// time only, never after its deadline, never two active under `forbid`, history within limits.
@Suite struct PeriodicPlannerSimulationTests {
    static let schedules = ["*/5 * * * *", "@every 90s", "0 * * * *", "* * * * *", "15,45 * * * mon-fri", "30 2 * * *", "@every 7m"]
    static let zones = ["UTC", "America/New_York", "Europe/Berlin"]

    @Test(arguments: TestSeeds.or([1, 2, 3, 4, 5, 6, 7, 8]))
    func invariantsHoldThroughOutages(_ seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        let created = instant("2026-03-01T00:00:00Z").addingTimeInterval(TimeInterval(random.int(in: 0...40_000_000)) / 1000)
        let planner = PeriodicPlanner(
            name: "job", schedule: try CronSchedule(parsing: random.pick(Self.schedules)!), timeZone: zone(random.pick(Self.zones)!),
            createdAt: created, concurrencyPolicy: random.pick(ConcurrencyPolicy.allCases)!,
            startingDeadline: random.bool() ? nil : .seconds(random.int(in: 10...900)), suspend: false,
            successfulHistoryLimit: random.int(in: 0...3), failedHistoryLimit: random.int(in: 0...2)
        )
        let context = "seed \(seed): \(planner.schedule) in \(planner.timeZone.identifier), \(planner.concurrencyPolicy), deadline \(planner.startingDeadline.map(DurationText.format) ?? "none")"
        var runs: [String: PeriodicRun] = [:]
        var last: Date?
        var latestStarted: Date?
        var now = created.addingTimeInterval(TimeInterval(random.int(in: 0...600)))
        for _ in 0..<400 {
            let plan = planner.plan(runs: Array(runs.values), lastScheduleTime: last, now: now)
            if let start = plan.start {
                let t = start.scheduledTime
                #expect(t <= now && t > (last ?? created), "\(context)")
                #expect(planner.schedule.next(after: t.addingTimeInterval(-1), in: planner.timeZone, origin: created) == t, "\(context): not a fire time")
                #expect((planner.schedule.next(after: t, in: planner.timeZone, origin: created) ?? .distantFuture) > now, "\(context): not the latest due")
                #expect(runs[start.name] == nil, "\(context): started twice")
                #expect(latestStarted.map { t > $0 } ?? true, "\(context)")
                if let deadline = planner.startingDeadline { #expect(now.timeIntervalSince(t) <= deadline.timeInterval, "\(context)") }
                if planner.concurrencyPolicy == .forbid { #expect(!runs.values.contains { $0.state == .active }, "\(context)") }
                latestStarted = t
            }
            #expect(plan.lastScheduleTime.map { $0 >= (last ?? .distantPast) } ?? (last == nil), "\(context)")
            #expect(plan.wakeAt.map { $0 > now } ?? false, "\(context)")
            #expect(Set(plan.delete).isSubset(of: runs.keys), "\(context)")
            // Apply it, as the controller's write would.
            for name in plan.delete { runs[name] = nil }
            if let start = plan.start { runs[start.name] = PeriodicRun(name: start.name, scheduledTime: start.scheduledTime, state: .active) }
            last = plan.lastScheduleTime
            let finished = runs.values.filter { $0.state != .active }
            #expect(finished.filter { $0.state == .complete }.count <= planner.successfulHistoryLimit, "\(context)")
            #expect(finished.filter { $0.state == .failed }.count <= planner.failedHistoryLimit, "\(context)")
            if planner.concurrencyPolicy != .allow { #expect(runs.values.filter { $0.state == .active }.count <= 1, "\(context)") }
            // Runs end at random; the clock goes to the wake time, a little past, or past an outage.
            for (name, run) in runs where run.state == .active && random.int(in: 0...2) == 0 {
                runs[name]?.state = random.int(in: 0...3) == 0 ? .failed : .complete
                runs[name]?.finishTime = now
            }
            switch random.int(in: 0...9) {
            case 0: now.addTimeInterval(TimeInterval(random.int(in: 3600...4 * 3600)))
            case 1, 2: now.addTimeInterval(TimeInterval(random.int(in: 1...300)))
            default: now = plan.wakeAt!.addingTimeInterval(TimeInterval(random.int(in: 0...2000)) / 1000)
            }
        }
    }
}
