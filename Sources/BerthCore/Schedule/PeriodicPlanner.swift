import Foundation

/// A periodic job's reconciler: a pure function from (the job, its child runs, its
/// `lastScheduleTime`, now) to a `PeriodicPlan`. Same inputs, same plan, however often it runs.
///
/// Rules:
/// - The due run is the LATEST fire time in `(lastScheduleTime ?? createdAt, now]`: a server
///   down for an hour starts one late run, never one per missed time.
/// - A due run found more than `startingDeadline` after its time is skipped; either way
///   `lastScheduleTime` moves to it, so it is not tried again.
/// - Its name is `<parent>-<scheduled unix seconds>`. A child by that name already existing
///   means it was started (by this server before a crash, or by another): nothing starts.
/// - `allow` starts it beside active runs; `forbid` skips it while any run is active;
///   `replace` deletes the active runs and starts it.
/// - `suspend`: nothing starts and `lastScheduleTime` stays, as Kubernetes does; on resume the
///   latest time missed meanwhile starts unless `startingDeadline` says it is too late.
///   Active runs are left alone.
/// - Finished runs beyond the history limits (by scheduled time) are deleted, oldest first,
///   suspended or not.
public struct PeriodicPlanner: Sendable {
    /// The parent job's name, the prefix of its runs' names.
    public var name: String
    public var schedule: CronSchedule
    public var timeZone: TimeZone
    /// The job's creation: where the first period starts, and `@every`'s origin.
    public var createdAt: Date
    public var concurrencyPolicy: ConcurrencyPolicy
    public var startingDeadline: Duration?
    public var suspend: Bool
    public var successfulHistoryLimit: Int
    public var failedHistoryLimit: Int

    /// The longest parent name whose runs' names are still DNS labels (63 characters with
    /// `-` and ten digits of unix seconds, good until 2286).
    public static let maxNameLength = 52

    public init(
        name: String, schedule: CronSchedule, timeZone: TimeZone = .gmt, createdAt: Date,
        concurrencyPolicy: ConcurrencyPolicy = .allow, startingDeadline: Duration? = nil, suspend: Bool = false,
        successfulHistoryLimit: Int = 3, failedHistoryLimit: Int = 1
    ) {
        self.name = name
        self.schedule = schedule
        self.timeZone = timeZone
        self.createdAt = createdAt
        self.concurrencyPolicy = concurrencyPolicy
        self.startingDeadline = startingDeadline
        self.suspend = suspend
        self.successfulHistoryLimit = successfulHistoryLimit
        self.failedHistoryLimit = failedHistoryLimit
    }

    /// The name of the run scheduled at `scheduledTime`: the same on every server.
    public static func runName(parent: String, scheduledTime: Date) -> String {
        "\(parent)-\(Int64(scheduledTime.timeIntervalSince1970.rounded(.down)))"
    }

    public func plan(runs: [PeriodicRun], lastScheduleTime: Date?, now: Date) -> PeriodicPlan {
        var plan = PeriodicPlan(lastScheduleTime: lastScheduleTime)
        let active = runs.filter { $0.state == .active }.sorted(by: Self.older).map(\.name)
        var replaced: [String] = []
        if !suspend {
            plan.wakeAt = schedule.next(after: now, in: timeZone, origin: createdAt)
            let from = lastScheduleTime.map { max($0, createdAt) } ?? createdAt
            if let due = schedule.latest(after: from, through: now, in: timeZone, origin: createdAt) {
                plan.lastScheduleTime = due
                let run = PeriodicPlan.Run(name: Self.runName(parent: name, scheduledTime: due), scheduledTime: due)
                let late = Duration.seconds(now.timeIntervalSince(due))
                if runs.contains(where: { $0.name == run.name }) {
                    // Already started: only the status is behind.
                } else if let deadline = startingDeadline, late > deadline {
                    plan.skipped = .init(scheduledTime: due, reason: .missedDeadline(late: late, deadline: deadline))
                } else if concurrencyPolicy == .forbid, !active.isEmpty {
                    plan.skipped = .init(scheduledTime: due, reason: .forbidden(active: active))
                } else {
                    if concurrencyPolicy == .replace { replaced = active }
                    plan.start = run
                }
            }
        }
        plan.delete = replaced + pruned(runs)
        return plan
    }

    /// Finished runs beyond the history limits, oldest first.
    func pruned(_ runs: [PeriodicRun]) -> [String] {
        func beyond(_ state: PeriodicRun.State, keep: Int) -> [PeriodicRun] {
            let finished = runs.filter { $0.state == state }.sorted(by: Self.older)
            return Array(finished.dropLast(max(0, keep)))
        }
        return (beyond(.complete, keep: successfulHistoryLimit) + beyond(.failed, keep: failedHistoryLimit))
            .sorted(by: Self.older).map(\.name)
    }

    static func older(_ a: PeriodicRun, _ b: PeriodicRun) -> Bool {
        (a.scheduledTime, a.name) < (b.scheduledTime, b.name)
    }
}
