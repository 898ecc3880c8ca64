import BerthCore
import BerthStore
import Logging
import Metrics

extension Duration {
    var milliseconds: Int64 { components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000 }
}

/// Places pending containers: reads the pending set and the nodes, asks the `Scheduler` for a
/// plan, commits it in chunks (each chunk one transaction whose triggers re-check capacity),
/// and records why the rest stay pending.
public struct SchedulerController: Sendable {
    let store: Store
    let scheduler: Scheduler
    let chunk: Int
    let logger: Logger
    /// Passes placing more than this log one summary line instead of a line per container.
    static let detailLimit = 20
    private let latency = Metrics.Timer(label: "berth_scheduling_latency_seconds")
    private let placedCounter = Counter(label: "berth_containers_placed_total")

    public init(store: Store, scheduler: Scheduler = Scheduler(), chunk: Int = 5000, logger: Logger) {
        self.store = store
        self.scheduler = scheduler
        self.chunk = chunk
        self.logger = logger
    }

    /// One pass; returns how many containers were placed.
    @discardableResult
    public func pass() async throws -> Int {
        let clock = ContinuousClock()
        let started = clock.now
        // Most wake-ups (heartbeats, status reports) leave nothing to place: check cheaply first.
        guard try await store.read({ db in try PendingPlacements.any(db) }).value else { return 0 }
        let snapshot = try await store.read { db in
            (try PendingPlacements.read(db), try ClusterSnapshot.nodeStates(db))
        }.value
        let (pending, nodes) = snapshot
        guard !pending.requests.isEmpty else { return 0 }
        let read = clock.now
        let plan = scheduler.plan(requests: pending.requests, nodes: nodes)
        let planned = clock.now
        var placed = 0
        var skipped = 0
        var start = 0
        while start < plan.assignments.count {
            let slice = Array(plan.assignments[start..<min(start + chunk, plan.assignments.count)])
            let result = try await store.write { tx in try PendingPlacements.apply(tx, slice) }
            // From the pass's wake-up (a change made the containers pending) to their commit.
            latency.record(duration: clock.now - started)
            placedCounter.increment(by: result.placed)
            placed += result.placed
            skipped += result.skipped
            start += chunk
        }
        let reasons = plan.unschedulable.filter { pending.reasons[$0.key] != $0.value }.sorted { $0.key < $1.key }
        var explained = 0
        start = 0
        while start < reasons.count {
            let slice = Array(reasons[start..<min(start + chunk, reasons.count)]).map { ($0.key, $0.value) }
            explained += try await store.write { tx in try PendingPlacements.explain(tx, slice) }
            start += chunk
        }
        // One line per action while they are few enough to read; a summary for bulk passes.
        if plan.assignments.count <= Self.detailLimit, skipped == 0 {
            for assignment in plan.assignments {
                logger.info("placed", metadata: ["container": "\(assignment.container)", "node": "\(assignment.node)"])
            }
        }
        if reasons.count <= Self.detailLimit {
            for (container, reason) in reasons {
                logger.notice("unschedulable", metadata: ["container": "\(container)", "reason": "\(reason)"])
            }
        }
        if placed > 0 || explained > 0 || skipped > 0 {
            logger.info("scheduling pass", metadata: [
                "placed": "\(placed)", "unschedulable": "\(plan.unschedulable.count)", "skipped": "\(skipped)",
                "readMillis": "\((read - started).milliseconds)", "planMillis": "\((planned - read).milliseconds)",
                "commitMillis": "\((clock.now - planned).milliseconds)",
            ])
        }
        return placed
    }
}
