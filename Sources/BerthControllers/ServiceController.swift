import BerthCore
import BerthStore
import Foundation
import Logging

/// Keeps services at their desired shape with the `ServiceReconciler`: creates replicas,
/// restarts ended ones with backoff, scales down, drains and rolls out.
///
/// A pass plans only the services a commit touched (or whose backoff ran out), from the
/// in-memory `ClusterState`: scaling one service reads and plans that service's containers,
/// whatever else the cluster holds. Every `fullEvery` a pass plans them all.
public struct ServiceController: Sendable {
    let state: ClusterState
    var store: Store { state.store }
    let reconciler = ServiceReconciler()
    let logger: Logger
    let clock: any BerthClock
    private let queue: Locked<ServiceQueue>

    /// What the passes so far cost: a pass plans the services that changed, not all of them.
    public struct Work: Sendable, Equatable {
        public var passes = 0
        public var fullPasses = 0
        public var servicesPlanned = 0
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
        let touched = state.takeTouchedServices()
        let batch = queue.update { $0.take(touched: touched, now: now) }
        guard !batch.isEmpty else { return .init(wakeAt: queue.value.nextWake) }
        do {
            return try await plan(batch, now: now)
        } catch {
            queue.update { $0.requeue(batch) }
            throw error
        }
    }

    private func plan(_ batch: ServiceQueue.Batch, now: Date) async throws -> ReconcileLoop.Outcome {
        let snapshot = state.read { model in model.snapshot(services: batch.services, index: state.index) }
        let plan = reconciler.plan(services: snapshot.services, containers: snapshot.containers, nodes: snapshot.nodes, now: now)
        work.update { work in
            work.passes += 1
            if batch.services == nil { work.fullPasses += 1 }
            work.servicesPlanned += snapshot.services.count
            work.containersPlanned += snapshot.containers.count
        }
        queue.update { $0.record(wakes: plan.wakes) }
        guard !plan.isEmpty else { return .init(wakeAt: queue.value.nextWake) }
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
        return .init(wakeAt: queue.value.nextWake)
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
