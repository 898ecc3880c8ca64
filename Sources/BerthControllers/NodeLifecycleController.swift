import BerthCore
import BerthStore
import Foundation
import Logging

/// Marks silent nodes down, loses what they ran, and stops standalone containers on draining
/// nodes, with the `NodeLifecycle` planner. Runs on a timer: heartbeats are too frequent to
/// wake it on each.
public struct NodeLifecycleController: Sendable {
    let store: Store
    let lifecycle: NodeLifecycle
    let logger: Logger
    let clock: any BerthClock

    public init(store: Store, timeout: Duration, logger: Logger, clock: (any BerthClock)? = nil) {
        self.store = store
        self.lifecycle = NodeLifecycle(timeout: timeout)
        self.logger = logger
        self.clock = clock ?? store.clock
    }

    public func pass() async throws -> ReconcileLoop.Outcome {
        // Every second, most passes find nothing to do: learn that from the nodes' health and
        // one EXISTS query, not from a snapshot of every node and container.
        let now = clock.date
        let (health, busy) = try await store.readDatabase { db in
            (try ClusterSnapshot.nodeHealth(db), try ClusterSnapshot.anyContainerOnDownOrDrainingNode(db))
        }.value
        let quick = lifecycle.plan(nodes: health, containers: [], now: now)
        guard busy || !quick.markDown.isEmpty else { return .init(wakeAt: quick.wakeAt) }
        let snapshot = try await store.readDatabase { db in try ClusterSnapshot.read(db) }.value
        let plan = lifecycle.plan(nodes: snapshot.health, containers: snapshot.containers, now: now)
        guard !plan.isEmpty else { return .init(wakeAt: plan.wakeAt) }
        let timeout = lifecycle.timeout
        let outcome = try await store.write { tx in try PlanApplier.apply(tx, plan, snapshot: snapshot, timeout: timeout, now: now) }
        for node in plan.markDown {
            logger.warning("node down", metadata: ["node": "\(node)", "timeout": "\(DurationText.format(timeout))"])
        }
        if outcome.lost > 0 || outcome.stopped > 0 {
            logger.info("node lifecycle pass", metadata: ["lost": "\(outcome.lost)", "stopped": "\(outcome.stopped)"])
        }
        return .init(wakeAt: plan.wakeAt)
    }
}
