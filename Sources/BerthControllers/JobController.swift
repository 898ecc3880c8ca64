import BerthCore
import BerthStore
import Foundation
import Logging

/// Runs jobs to completion with the `JobPlanner`: creates their containers (never more than
/// `parallelism` unended), retries failures after their delay, finishes, suspends, and deletes
/// jobs whose `ttlAfterFinished` ran out. A periodic job (one with a `schedule`) runs no
/// containers: the `PeriodicPlanner` starts its runs (child jobs, planned as any job), prunes
/// its history and keeps its status; it is planned when it or one of its runs changed, and
/// when its next fire time comes (its wake, not a scan of all jobs).
///
/// A pass plans only the jobs a commit touched (the job, or one of its containers, changed)
/// and those whose timer ran out (a retry delay, a deadline, a TTL); every `fullEvery` it plans
/// them all. Each job and its containers are read from the store in one snapshot: everything
/// the controller decides from is derivable from the store, so a restarted server, or another
/// one taking over, carries on where this one stopped.
public struct JobController: Sendable {
    let state: ClusterState
    var store: Store { state.store }
    let logger: Logger
    let clock: any BerthClock
    private let queue: Locked<ServiceQueue>

    /// What the passes so far cost: a pass plans the jobs that changed, not all of them.
    public struct Work: Sendable, Equatable {
        public var passes = 0
        public var fullPasses = 0
        public var jobsPlanned = 0
        public var containersPlanned = 0
    }

    public let work = Locked(Work())

    public init(state: ClusterState, logger: Logger, clock: (any BerthClock)? = nil, fullEvery: Duration = .seconds(300)) {
        self.state = state
        self.logger = logger
        self.clock = clock ?? state.store.clock
        self.queue = Locked(ServiceQueue(fullEvery: fullEvery))
    }

    public func pass() async throws -> ReconcileLoop.Outcome {
        try await state.catchUp()
        let now = clock.date
        let touched = state.takeTouchedJobs()
        let batch = queue.update { $0.take(touched: touched, now: now) }
        guard !batch.isEmpty else { return .init(wakeAt: queue.value.nextWake) }
        do {
            try await plan(batch.services, now: now)
        } catch {
            queue.update { $0.requeue(batch) }
            throw error
        }
        return .init(wakeAt: queue.value.nextWake)
    }

    private func plan(_ names: Set<String>?, now: Date) async throws {
        let snapshot = try await store.jobSnapshot(names: names)
        var plans: [(Job, JobPlan)] = []
        var wakes: [String: Date] = [:]
        for job in snapshot.jobs where !job.spec.isPeriodic {
            let plan = JobPlanner.plan(job: job, containers: snapshot.containers[job.name] ?? [], now: now)
            if let wake = plan.wakeAt { wakes[job.name] = wake }
            if !plan.isEmpty { plans.append((job, plan)) }
        }
        let known = Set(snapshot.jobs.map(\.name))
        let leftovers = snapshot.containers.keys.filter { !known.contains($0) }.sorted()
        work.update { work in
            work.passes += 1
            if names == nil { work.fullPasses += 1 }
            work.jobsPlanned += snapshot.jobs.count
            work.containersPlanned += snapshot.containers.values.reduce(0) { $0 + $1.count }
        }
        let periodic = Set(snapshot.jobs.filter(\.spec.isPeriodic).map(\.name) + snapshot.jobs.compactMap(\.parent))
        if !periodic.isEmpty { try await planPeriodic(periodic, now: now, wakes: &wakes) }
        queue.update { $0.record(wakes: wakes) }
        guard !plans.isEmpty || !leftovers.isEmpty else { return }
        let planned = plans
        let outcome = try await store.write { tx in
            var total = JobPlanApplier.Outcome()
            for (job, plan) in planned {
                let one = try JobPlanApplier.apply(tx, job: job, plan, snapshot: snapshot)
                total.created += one.created
                total.stopped += one.stopped
                total.removed += one.removed
                total.deleted += one.deleted
                total.skipped += one.skipped
            }
            for job in leftovers { try JobPlanApplier.removeLeftovers(tx, job: job) }
            return total
        }
        for (job, plan) in plans where plan.status?.state != job.status.state {
            if let status = plan.status {
                logger.info("job \(status.state.rawValue)", metadata: [
                    "job": "\(job.name)", "succeeded": "\(status.succeeded)", "failed": "\(status.failed)",
                    "reason": "\(status.reason?.rawValue ?? "-")",
                ])
            }
        }
        logger.debug("job pass", metadata: [
            "created": "\(outcome.created)", "stopped": "\(outcome.stopped)", "removed": "\(outcome.removed)",
            "deleted": "\(outcome.deleted)", "skipped": "\(outcome.skipped)",
        ])
    }

    /// Plans the periodic jobs named with `PeriodicPlanner` and commits what changed; their
    /// next fire times go into `wakes`.
    private func planPeriodic(_ names: Set<String>, now: Date, wakes: inout [String: Date]) async throws {
        let snapshot = try await store.periodicSnapshot(names: names)
        var plans: [(Job, PeriodicPlan, JobStatus)] = []
        for parent in snapshot.parents {
            guard let planner = parent.periodicPlanner(now: now) else { continue }
            let children = snapshot.runs[parent.name] ?? []
            let plan = planner.plan(
                runs: children.compactMap { $0.periodicRun(of: parent.name) }, lastScheduleTime: parent.status.lastScheduleTime, now: now
            )
            if let wake = plan.wakeAt { wakes[parent.name] = wake }
            let status = parent.periodicStatus(after: plan, runs: children)
            if plan.start != nil || !plan.delete.isEmpty || status != parent.status { plans.append((parent, plan, status)) }
        }
        guard !plans.isEmpty else { return }
        let planned = plans
        let outcomes = try await store.write { tx in
            try planned.map { parent, plan, status in try PeriodicPlanApplier.apply(tx, parent: parent, plan, status: status) }
        }
        for ((parent, plan, _), outcome) in zip(plans, outcomes) where outcome.skipped == 0 {
            for run in outcome.started { logger.info("periodic job started a run", metadata: ["job": "\(parent.name)", "run": "\(run)"]) }
            if !outcome.deleted.isEmpty {
                logger.info("periodic job deleted runs", metadata: ["job": "\(parent.name)", "runs": "\(outcome.deleted.joined(separator: ","))"])
            }
            if let skip = plan.skipped { logger.notice("\(skip.message)", metadata: ["job": "\(parent.name)"]) }
        }
    }
}
