import BerthCore
import Foundation
import GRDB

/// What a job-controller pass plans from: the jobs named, with their containers, read from the
/// store in one snapshot (so a job's status and its containers agree), and the version of each
/// container for `JobPlanApplier` to re-check.
public struct JobSnapshot: Sendable {
    public var jobs: [Job]
    /// Each job's containers, by job name; a name without a job row keeps its leftovers here.
    public var containers: [String: [ContainerView]]
    public var versions: [String: UInt64]
    public var index: UInt64
}

extension Store {
    /// The jobs named (nil: every job) and their containers, at one index.
    public func jobSnapshot(names: Set<String>?) async throws -> JobSnapshot {
        let list = names.map { Array($0) }
        let read = try await readDatabase { db in
            let jobs = try list.map { try JobRepository.fetch(db, names: $0) } ?? JobRepository.list(db)
            let rows = try StateRows.containers(db, jobs: list)
            return (jobs, rows)
        }
        var containers: [String: [ContainerView]] = [:]
        var versions: [String: UInt64] = [:]
        for row in read.value.1 {
            guard let job = row.view.job else { continue }
            containers[job, default: []].append(row.view)
            versions[row.view.id] = row.modifyIndex
        }
        return JobSnapshot(jobs: read.value.0, containers: containers, versions: versions, index: read.index)
    }
}

extension StateRows {
    /// The containers of the jobs named (nil: of every job).
    static func containers(_ db: Database, jobs: [String]?) throws -> [ContainerRow] {
        typealias C = ContainerColumns
        var sql = "SELECT \(C.selection) FROM containers WHERE job IS NOT NULL"
        var arguments: StatementArguments = []
        if let jobs {
            guard !jobs.isEmpty else { return [] }
            sql = "SELECT \(C.selection) FROM containers WHERE job IN (SELECT value FROM json_each(?))"
            arguments = [try JSONColumn.encode(jobs)]
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map(ContainerRow.init)
    }
}
