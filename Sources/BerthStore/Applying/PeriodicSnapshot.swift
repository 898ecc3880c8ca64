import BerthCore
import Foundation
import GRDB

/// What a periodic pass plans from: the periodic jobs named and their runs, at one index.
public struct PeriodicSnapshot: Sendable {
    public var parents: [Job]
    /// Each parent's runs (child jobs), by parent name.
    public var runs: [String: [Job]]
    public var index: UInt64
}

extension Store {
    /// The periodic jobs among `names` (jobs without a schedule are left out) and their runs.
    public func periodicSnapshot(names: Set<String>) async throws -> PeriodicSnapshot {
        let list = Array(names)
        let read = try await readDatabase { db in
            let parents = try JobRepository.fetch(db, names: list).filter(\.spec.isPeriodic)
            let runs = try JobRepository.runs(db, parents: parents.map(\.name))
            return (parents, runs)
        }
        let runs = Dictionary(grouping: read.value.1) { $0.parent ?? "" }
        return PeriodicSnapshot(parents: read.value.0, runs: runs, index: read.index)
    }
}

/// Commits a periodic job's plan: creates its run (a no-op when a job of that name exists),
/// deletes the runs the plan names (with their containers), and stores the parent's status.
/// Skipped when the parent changed since it was read: that change touched it, so the next
/// pass plans it again.
public enum PeriodicPlanApplier {
    public struct Outcome: Sendable, Equatable {
        public var started: [String] = []
        public var deleted: [String] = []
        public var skipped = 0

        public init() {}
    }

    public static func apply(_ tx: WriteTransaction, parent planned: Job, _ plan: PeriodicPlan, status: JobStatus) throws -> Outcome {
        var outcome = Outcome()
        guard var parent = try JobRepository.fetch(tx.db, planned.name), parent.modifyIndex == planned.modifyIndex,
              parent.createIndex == planned.createIndex
        else {
            outcome.skipped += 1
            return outcome
        }
        for name in plan.delete {
            guard let run = try JobRepository.fetch(tx.db, name), run.parent == parent.name else { continue }
            _ = try JobRepository.delete(tx, name: name)
            outcome.deleted.append(name)
        }
        if let start = plan.start, try JobRepository.createRun(tx, parent: parent, name: start.name) != nil {
            outcome.started.append(start.name)
        }
        if status != parent.status {
            parent.status = status
            try JobRepository.save(tx, parent)
        }
        return outcome
    }
}
