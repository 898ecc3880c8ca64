import BerthCore
import BerthStore
import Foundation
import Logging

/// Marks silent nodes down, loses what they ran, and stops standalone containers on draining
/// nodes, with the `NodeLifecycle` planner. Runs on a timer: heartbeats are too frequent to
/// wake it on each.
public struct NodeLifecycleController: Sendable {
    let state: ClusterState
    var store: Store { state.store }
    let lifecycle: NodeLifecycle
    let logger: Logger
    let clock: any BerthClock

    public init(state: ClusterState, timeout: Duration, logger: Logger, clock: (any BerthClock)? = nil) {
        self.state = state
        self.lifecycle = NodeLifecycle(timeout: timeout)
        self.logger = logger
        self.clock = clock ?? state.store.clock
    }

    public func pass() async throws -> ReconcileLoop.Outcome {
        // Every second, from memory: the nodes' health, then the containers of the nodes that
        // are down, going down or draining — never a read of every container.
        try await state.catchUp()
        let now = clock.date
        let health = state.read { $0.health() }
        let quick = lifecycle.plan(nodes: health, containers: [], now: now)
        let markDown = Set(quick.markDown)
        let affected = health.filter { $0.status != .ready || $0.availability == .drain || markDown.contains($0.name) }.map(\.name)
        guard !affected.isEmpty else { return .init(wakeAt: quick.wakeAt) }
        let snapshot = state.read { $0.snapshot(containersOn: affected, index: state.index) }
        let plan = lifecycle.plan(nodes: health, containers: snapshot.containers, now: now)
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
