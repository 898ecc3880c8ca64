import BerthCore
import Foundation
import GRDB

/// Commits job plans. Each step re-checks what the plan relied on — the job's `modifyIndex`,
/// each container's as the snapshot saw it — and skips what changed meanwhile (the change
/// touched the job, so the next pass plans it again). The job's `parallelism` is enforced here
/// too: a create goes ahead only while fewer of its containers are unended, and only for an
/// index with no unended or successful container.
public enum JobPlanApplier {
    public struct Outcome: Sendable, Equatable {
        public var created = 0
        public var stopped = 0
        public var removed = 0
        public var deleted = 0
        public var skipped = 0

        public init() {}
    }

    public static func apply(_ tx: WriteTransaction, job planned: Job, _ plan: JobPlan, snapshot: JobSnapshot) throws -> Outcome {
        var outcome = Outcome()
        guard var job = try JobRepository.fetch(tx.db, planned.name), job.modifyIndex == planned.modifyIndex,
              job.createIndex == planned.createIndex
        else {
            outcome.skipped += 1
            return outcome
        }
        if plan.deleteJob {
            _ = try JobRepository.delete(tx, name: job.name)
            outcome.deleted += 1
            return outcome
        }
        for id in plan.removes {
            guard try unchanged(tx.db, id, snapshot) else { outcome.skipped += 1; continue }
            _ = try ContainerRepository.delete(tx, id: id)
            outcome.removed += 1
        }
        for stop in plan.stops {
            guard try unchanged(tx.db, stop.container, snapshot), var container = try ContainerRepository.fetch(tx.db, stop.container) else {
                outcome.skipped += 1
                continue
            }
            container.desiredState = .stopped
            container.reason = stop.reason
            try ContainerRepository.update(tx, container, refreshTargets: false)
            outcome.stopped += 1
        }
        if !plan.creates.isEmpty {
            var unended = try tx.db.value(Int.self, sql: """
                SELECT COUNT(*) FROM containers WHERE job = ? AND state NOT IN ('exited', 'failed', 'lost')
                """, arguments: [job.name]) ?? 0
            let taken = Set(try tx.db.values(Int.self, sql: """
                SELECT job_index FROM containers WHERE job = ? AND (state NOT IN ('exited', 'failed', 'lost')
                    OR (state = 'exited' AND COALESCE(exit_code, 0) = 0))
                """, arguments: [job.name]))
            for create in plan.creates {
                guard unended < job.spec.parallelism, !taken.contains(create.index) else { outcome.skipped += 1; continue }
                try ContainerRepository.createForJob(
                    tx, job: job.name, index: create.index, template: template(job.spec, index: create.index), attempt: create.attempt,
                    preferredNode: create.preferredNode
                )
                unended += 1
                outcome.created += 1
            }
        }
        if let status = plan.status {
            job.status = status
            try JobRepository.save(tx, job)
        }
        return outcome
    }

    /// The job's template for one index: an indexed job's containers learn theirs from
    /// `BERTH_JOB_INDEX`.
    static func template(_ spec: JobSpec, index: Int) -> ContainerTemplate {
        var template = spec.template
        if spec.completionMode == .indexed { template.env["BERTH_JOB_INDEX"] = String(index) }
        return template
    }

    /// Removes what is left of a job whose row is gone.
    public static func removeLeftovers(_ tx: WriteTransaction, job: String) throws {
        guard try JobRepository.fetch(tx.db, job) == nil else { return }
        try ContainerRepository.deleteAll(tx, job: job)
    }

    private static func unchanged(_ db: Database, _ id: String, _ snapshot: JobSnapshot) throws -> Bool {
        let current = try db.value(UInt64.self, sql: "SELECT modify_index FROM containers WHERE id = ?", arguments: [id])
        return current != nil && current == snapshot.versions[id]
    }
}
