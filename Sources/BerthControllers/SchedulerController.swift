import BerthCore
import BerthStore
import Logging
import Metrics

/// Places pending containers: takes the pending queue and the nodes from the in-memory
/// `ClusterState` (no pass reads the cluster from the store), asks the `Scheduler` for a plan,
/// commits it in chunks as they are planned (each chunk one transaction whose triggers re-check
/// capacity), and records why the rest stay pending.
public struct SchedulerController: Sendable {
    let state: ClusterState
    var store: Store { state.store }
    let scheduler: Scheduler
    let chunk: Int
    let logger: Logger
    /// Passes placing more than this log one summary line instead of a line per container.
    static let detailLimit = 20
    /// What the passes so far cost: a pass plans only the pending containers, and each looks at
    /// a bounded sample of nodes.
    public struct Work: Sendable, Equatable {
        public var passes = 0
        public var requests = 0
        public var nodesExamined = 0
        /// Passes that walked the whole pending queue (see `QueueWalk`).
        public var queueWalks = 0
        /// Pending containers looked at to choose a pass's requests: the whole queue on a walk,
        /// else only the fresh and the due.
        public var queueExamined = 0
    }

    public let work = Locked(Work())
    /// Containers that found no node, sitting passes out until something could let them fit.
    let held = Locked(UnschedulableQueue())
    /// When the next pass must walk the whole pending queue rather than plan only the fresh and
    /// the due: the first pass, one after a pass that failed or lost a placement to a conflict,
    /// and one a minute as a level-triggered safety net.
    private let walk = Locked(QueueWalk())

    private let latency = Metrics.Timer(label: "berth_scheduling_latency_seconds")
    private let placedCounter = Counter(label: "berth_containers_placed_total")

    public init(state: ClusterState, scheduler: Scheduler = Scheduler(), chunk: Int = 5000, logger: Logger) {
        self.state = state
        self.scheduler = scheduler
        self.chunk = chunk
        self.logger = logger
    }

    /// One pass; returns how many containers were placed.
    @discardableResult
    public func pass() async throws -> Int {
        let clock = store.clock
        let started = clock.uptime
        try await state.catchUp()
        let asOf = state.index
        let now = clock.date
        // A pass plans the pending containers new or changed since the last (`fresh`) and the
        // held ones whose hold is over; a pass that ends early leaves the next one a whole walk.
        let fresh = state.takeFreshPending()
        var finished = false
        defer { if !finished { walk.update { $0.owed = true } } }
        let wholeQueue = walk.update { $0.take(now: now) }
        let due = held.update { $0.due(epoch: state.read(\.capacityEpoch), now: now) }
        let parked = held.value
        // Most wake-ups (heartbeats, status reports) leave nothing to place, and cost no more.
        guard let (pending, nodes, addressesHeld, epoch, waiting) = state.read({ model -> (ClusterModel.PendingRequests, NodeTable, [String: Set<UInt32>], UInt64, Set<String>)? in
            guard !model.pending.isEmpty else { return nil }
            let requests = wholeQueue
                ? model.pendingRequests(skipping: { !fresh.contains($0) && parked.isHeld($0, epoch: model.capacityEpoch, now: now) })
                : model.pendingRequests(among: fresh.union(due))
            guard !requests.requests.isEmpty else { return nil }
            return (requests, model.nodeTable(), model.addresses, model.capacityEpoch, model.pending)
        }) else {
            finished = true
            return 0
        }
        work.update { work in
            if wholeQueue { work.queueWalks += 1 }
            work.queueExamined += wholeQueue ? waiting.count : fresh.count + due.count
        }
        work.update { work in
            work.passes += 1
            work.requests += pending.requests.count
        }
        let read = clock.uptime
        // Plan on another thread, a chunk at a time, while this one commits the previous chunk:
        // planning and committing a large pass each take seconds, and overlap almost entirely.
        let (parts, sink) = AsyncStream.makeStream(of: SchedulePlan.self)
        let planner = Task.detached { [scheduler, chunk] in
            scheduler.plan(requests: pending.requests, table: nodes, every: chunk) { part in
                if case .terminated = sink.yield(part) { return false }
                return true
            }
            sink.finish()
            return clock.uptime
        }
        defer { planner.cancel() }
        var unschedulable: [String: String] = [:]
        var assigned: [SchedulePlan.Assignment] = []
        // Placed containers that were held before (a retry that found room) leave the queue.
        var placedIDs: [String] = []
        var addresses = AddressBook(held: addressesHeld, asOf: asOf)
        var placed = 0
        var skipped = 0
        for await part in parts {
            work.update { $0.nodesExamined += part.nodesExamined }
            unschedulable.merge(part.unschedulable) { $1 }
            if assigned.count <= Self.detailLimit { assigned += part.assignments.prefix(Self.detailLimit + 1) }
            if !parked.entries.isEmpty { placedIDs += part.assignments.lazy.map(\.container).filter { parked.entries[$0] != nil } }
            guard !part.assignments.isEmpty else { continue }
            let result = try await store.write { [addresses] tx in try PendingPlacements.apply(tx, part.assignments, addresses: addresses) }
            addresses = result.addresses
            // From the pass's wake-up (a change made the containers pending) to their commit.
            latency.record(duration: clock.uptime - started)
            placedCounter.increment(by: result.placed)
            placed += result.placed
            skipped += result.skipped
        }
        let planned = await planner.value
        if skipped > 0 { walk.update { $0.owed = true } }  // lost to a conflict: planned again
        held.update { $0.record(unschedulable: unschedulable.keys, placed: placedIDs, pending: waiting, epoch: epoch, now: now) }
        let reasons = unschedulable.filter { pending.reasons[$0.key] != $0.value }.sorted { $0.key < $1.key }
        var explained = 0
        var start = 0
        while start < reasons.count {
            let slice = Array(reasons[start..<min(start + chunk, reasons.count)]).map { ($0.key, $0.value) }
            explained += try await store.write { tx in try PendingPlacements.explain(tx, slice) }
            start += chunk
        }
        // One line per action while they are few enough to read; a summary for bulk passes.
        if assigned.count <= Self.detailLimit, skipped == 0 {
            for assignment in assigned {
                logger.info("placed", metadata: ["container": "\(assignment.container)", "node": "\(assignment.node)"])
            }
        }
        if reasons.count <= Self.detailLimit {
            for (container, reason) in reasons {
                logger.notice("unschedulable", metadata: ["container": "\(container)", "reason": "\(reason)"])
            }
        }
        finished = true
        if placed > 0 || explained > 0 || skipped > 0 {
            logger.info("scheduling pass", metadata: [
                "placed": "\(placed)", "unschedulable": "\(unschedulable.count)", "skipped": "\(skipped)",
                "readMillis": "\((read - started).wholeMilliseconds)", "planMillis": "\((planned - read).wholeMilliseconds)",
                "commitMillis": "\((clock.uptime - read).wholeMilliseconds)",
            ])
        }
        return placed
    }
}
