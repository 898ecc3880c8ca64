import BerthCore
import BerthStore
import Foundation
import Logging

/// Keeps services at their desired shape with the `ServiceReconciler`: creates replicas,
/// restarts ended ones with backoff, scales down, drains and rolls out.
public struct ServiceController: Sendable {
    let store: Store
    let reconciler = ServiceReconciler()
    let logger: Logger
    let clock: any BerthClock

    public init(store: Store, logger: Logger, clock: (any BerthClock)? = nil) {
        self.store = store
        self.logger = logger
        self.clock = clock ?? store.clock
    }

    public func pass() async throws -> ReconcileLoop.Outcome {
        // Node writes wake this loop; with no service and no service's container there is
        // nothing to plan, and a snapshot of every node is not worth reading to learn that.
        guard try await store.readDatabase({ db in try ClusterSnapshot.hasServiceWork(db) }).value else { return .init(wakeAt: nil) }
        let snapshot = try await store.readDatabase { db in try ClusterSnapshot.read(db) }.value
        let plan = reconciler.plan(services: snapshot.services, containers: snapshot.containers, nodes: snapshot.nodes, now: clock.date)
        guard !plan.isEmpty else { return .init(wakeAt: plan.wakeAt) }
        // Large scale-ups are committed in slices so API writes interleave with them.
        var outcome = PlanApplier.Outcome()
        for part in plan.slices(of: 2000) {
            let result = try await store.write { tx in try PlanApplier.apply(tx, part, snapshot: snapshot) }
            outcome.created += result.created
            outcome.stopped += result.stopped
            outcome.removed += result.removed
            outcome.skipped += result.skipped
        }
        // One line per action while they are few enough to read; the summary line always.
        if plan.creates.count + plan.stops.count <= SchedulerController.detailLimit {
            for create in plan.creates {
                let what = create.attempt > 0 ? "replaced" : "created"
                logger.info("\(what) container", metadata: [
                    "service": "\(create.service)", "attempt": "\(create.attempt)", "reason": "\(create.reason ?? "-")",
                ])
            }
            for stop in plan.stops {
                logger.info("stopping container", metadata: ["container": "\(stop.container)", "reason": "\(stop.reason)"])
            }
        }
        logger.info("service pass", metadata: [
            "created": "\(outcome.created)", "stopped": "\(outcome.stopped)", "removed": "\(outcome.removed)",
            "skipped": "\(outcome.skipped)",
        ])
        return .init(wakeAt: plan.wakeAt)
    }
}

extension ServicePlan {
    /// The plan cut into parts of at most `size` creates; stops, removes and notes go first.
    func slices(of size: Int) -> [ServicePlan] {
        var first = self
        first.creates = Array(creates.prefix(size))
        var parts = [first]
        var start = size
        while start < creates.count {
            var part = ServicePlan()
            part.creates = Array(creates[start..<min(start + size, creates.count)])
            parts.append(part)
            start += size
        }
        return parts
    }
}
