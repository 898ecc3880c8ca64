import Foundation

/// A periodic job seen through `PeriodicPlanner`: its planner, its runs as `PeriodicRun`s, and
/// the status a plan leaves it with. Pure, so the controller only reads, calls and commits.
extension Job {
    /// The planner for this periodic job; nil for a job without a `schedule`.
    public func periodicPlanner(now: Date) -> PeriodicPlanner? {
        guard let schedule = spec.schedule else { return nil }
        return PeriodicPlanner(
            name: name, schedule: schedule, timeZone: spec.zone, createdAt: createTime ?? now,
            concurrencyPolicy: spec.concurrencyPolicy, startingDeadline: spec.startingDeadline, suspend: spec.suspend,
            successfulHistoryLimit: spec.successfulJobsHistoryLimit, failedHistoryLimit: spec.failedJobsHistoryLimit
        )
    }

    /// This job as a run of `parent`: its fire time read from its name (`<parent>-<unix seconds>`).
    /// Nil when the name says none (a job that names the parent but was not started by it).
    public func periodicRun(of parent: String) -> PeriodicRun? {
        let prefix = parent + "-"
        guard name.hasPrefix(prefix), let seconds = Int64(name.dropFirst(prefix.count)) else { return nil }
        let state: PeriodicRun.State = switch status.state {
        case .complete: .complete
        case .failed: .failed
        default: .active
        }
        return PeriodicRun(
            name: name, scheduledTime: Date(timeIntervalSince1970: TimeInterval(seconds)), state: state,
            finishTime: state == .active ? nil : status.completionTime
        )
    }

    /// The status this periodic job has once `plan` is applied over `runs` (its children):
    /// the runs started and not deleted that are unfinished are `activeRuns`; `active` counts them.
    public func periodicStatus(after plan: PeriodicPlan, runs: [Job]) -> JobStatus {
        let deleted = Set(plan.delete)
        var active = runs.filter { !$0.status.state.isFinished && !deleted.contains($0.name) }.map(\.name)
        if let start = plan.start, !active.contains(start.name) { active.append(start.name) }
        let succeeded = runs.filter { $0.status.state == .complete }.compactMap(\.status.completionTime).max()
        var status = self.status
        status.lastScheduleTime = plan.lastScheduleTime
        status.lastSuccessfulTime = [status.lastSuccessfulTime, succeeded].compactMap { $0 }.max()
        status.activeRuns = active.sorted()
        status.active = active.count
        status.state = spec.suspend ? .suspended : active.isEmpty ? .pending : .running
        return status
    }
}
