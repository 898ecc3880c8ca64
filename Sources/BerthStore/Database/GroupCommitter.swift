import BerthCore
import Foundation
import GRDB
import Metrics
import Synchronization

/// Runs writes one transaction at a time, letting writes that queue up meanwhile share the next
/// transaction — and its fsync. Each write still runs in its own savepoint with its own change
/// index, so one failing write leaves the others of its batch untouched.
///
/// There is no background task: the first writer to find the queue idle leads, commits batches
/// until its own write is done, and hands leadership to the next writer waiting in the queue.
final class GroupCommitter: Sendable {
    typealias Work = @Sendable (WriteTransaction) throws -> any Sendable

    private enum Outcome: Sendable {
        case done(Result<any Sendable, any Error>)
        case lead
    }

    private struct Pending: Sendable {
        var id: UInt64
        var work: Work
        var continuation: CheckedContinuation<Outcome, Never>
    }

    private struct State {
        var queue: [Pending] = []
        var leading = false
        var nextID: UInt64 = 0
        var current: UInt64
    }

    private let pool: DatabasePool
    private let hub: ChangeHub
    private let clock: any BerthClock
    private let maxBatch: Int
    private let afterEachBatch: @Sendable (Database, UInt64) throws -> Void
    private let state: Mutex<State>
    /// How long each batch's transaction takes, fsync included, and how many writes it carried.
    private let commitTimer = Metrics.Timer(label: "berth_db_commit_duration_seconds")
    private let writesCommitted = Counter(label: "berth_db_writes_total", dimensions: [("result", "ok")])
    private let writesFailed = Counter(label: "berth_db_writes_total", dimensions: [("result", "failed")])

    init(pool: DatabasePool, hub: ChangeHub, clock: any BerthClock, current: UInt64, maxBatch: Int,
         afterEachBatch: @escaping @Sendable (Database, UInt64) throws -> Void) {
        self.pool = pool
        self.hub = hub
        self.clock = clock
        self.maxBatch = maxBatch
        self.afterEachBatch = afterEachBatch
        self.state = Mutex(State(current: current))
    }

    /// Runs `work` in a write transaction and returns once it is committed.
    func submit<T: Sendable>(_ work: @escaping @Sendable (WriteTransaction) throws -> T) async throws -> T {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let outcome = await withCheckedContinuation { (continuation: CheckedContinuation<Outcome, Never>) in
            let lead = state.withLock { state -> Bool in
                state.queue.append(Pending(id: id, work: { try work($0) }, continuation: continuation))
                guard !state.leading else { return false }
                state.leading = true
                return true
            }
            if lead { continuation.resume(returning: .lead) }
        }
        let result: Result<any Sendable, any Error>
        switch outcome {
        case .done(let r): result = r
        case .lead: result = await lead(until: id)
        }
        return try result.get() as! T  // the queue only carries this write's own result back
    }

    private func lead(until mine: UInt64) async -> Result<any Sendable, any Error> {
        while true {
            let (batch, current) = state.withLock { state in
                let batch = Array(state.queue.prefix(maxBatch))
                state.queue.removeFirst(batch.count)
                return (batch, state.current)
            }
            let results = await commit(batch, current: current)
            var own: Result<any Sendable, any Error>?
            for (pending, result) in zip(batch, results) {
                if pending.id == mine { own = result } else { pending.continuation.resume(returning: .done(result)) }
            }
            if let own {
                let next = state.withLock { state -> Pending? in
                    if let first = state.queue.first { return first }
                    state.leading = false
                    return nil
                }
                next?.continuation.resume(returning: .lead)
                return own
            }
        }
    }

    private func commit(_ batch: [Pending], current: UInt64) async -> [Result<any Sendable, any Error>] {
        let afterEachBatch = self.afterEachBatch
        let clock = self.clock
        let started = clock.uptime
        defer { commitTimer.record(duration: clock.uptime - started) }
        do {
            let (results, last, changes, containerNodes) = try await pool.write {
                db -> ([Result<any Sendable, any Error>], UInt64, [ObjectKey], Set<String>) in
                let tx = WriteTransaction(db: db, current: current, now: clock.date)
                var results: [Result<any Sendable, any Error>] = []
                results.reserveCapacity(batch.count)
                for pending in batch {
                    tx.beginOp()
                    do {
                        var value: (any Sendable)?
                        try db.inSavepoint {
                            value = try pending.work(tx)
                            return .commit
                        }
                        tx.commitOp()
                        results.append(.success(value!))
                    } catch {
                        // The disk or the file failed, not the write: SQLite may already have
                        // rolled back the whole transaction, so no write of the batch stands.
                        if StoreErrors.isStorageFailure(error) { throw error }
                        tx.rollbackOp()
                        results.append(.failure(StoreErrors.map(error)))
                    }
                }
                var containerNodes: Set<String> = []
                if tx.lastIndex > current {
                    try db.executeCached(sql: "UPDATE cluster_index SET current = ? WHERE id = 1", arguments: [tx.lastIndex])
                    try afterEachBatch(db, tx.lastIndex)
                    if tx.changes.contains(where: { $0.kind == .container }) {
                        containerNodes = try ChangeLog.containerNodes(db, after: current)
                    }
                }
                return (results, tx.lastIndex, tx.changes, containerNodes)
            }
            state.withLock { $0.current = last }
            if last > current { hub.publish(index: last, changes: changes, containerNodes: containerNodes) }
            let failed = results.count(where: { if case .failure = $0 { true } else { false } })
            writesCommitted.increment(by: results.count - failed)
            writesFailed.increment(by: failed)
            return results
        } catch {
            writesFailed.increment(by: batch.count)
            let mapped = StoreErrors.map(error)
            return batch.map { _ in .failure(mapped) }
        }
    }
}
