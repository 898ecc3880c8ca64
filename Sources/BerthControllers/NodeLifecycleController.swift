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

    /// What the passes so far cost: the nodes they looked at (overdue, down or draining ones).
    public struct Work: Sendable, Equatable {
        public var passes = 0
        public var nodesExamined = 0
    }

    public let work = Tally(Work())

    public init(state: ClusterState, timeout: Duration, logger: Logger, clock: (any BerthClock)? = nil) {
        self.state = state
        self.lifecycle = NodeLifecycle(timeout: timeout)
        self.logger = logger
        self.clock = clock ?? state.store.clock
    }

    public func pass() async throws -> ReconcileLoop.Outcome {
        // Every second, from memory: the nodes overdue by the heartbeat heap, those down and
        // those draining, with their containers — never a scan of every node or container.
        try await state.catchUp()
        let now = clock.date
        let view = state.lifecycleView(silentSince: now.addingTimeInterval(-lifecycle.timeout.timeInterval))
        work.update { work in
            work.passes += 1
            work.nodesExamined += view.nodes.count
        }
        let next = view.earliestHeartbeat.map { $0.addingTimeInterval(lifecycle.timeout.timeInterval) }
        guard !view.nodes.isEmpty else { return .init(wakeAt: next) }
        let snapshot = view.snapshot
        let plan = lifecycle.plan(nodes: view.nodes, containers: snapshot.containers, now: now)
        guard !plan.isEmpty else { return .init(wakeAt: next) }
        let timeout = lifecycle.timeout
        let outcome = try await store.write { tx in try PlanApplier.apply(tx, plan, snapshot: snapshot, timeout: timeout, now: now) }
        for node in plan.markDown {
            logger.warning("node down", metadata: ["node": "\(node)", "timeout": "\(DurationText.format(timeout))"])
        }
        if outcome.lost > 0 || outcome.stopped > 0 {
            logger.info("node lifecycle pass", metadata: ["lost": "\(outcome.lost)", "stopped": "\(outcome.stopped)"])
        }
        return .init(wakeAt: next)
    }
}
