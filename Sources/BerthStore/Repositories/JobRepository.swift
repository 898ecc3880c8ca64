import BerthCore
import Foundation
import GRDB

/// Jobs: run-to-completion work the job controller keeps containers for until enough succeed.
public enum JobRepository {
    public static func fetch(_ db: Database, _ name: String) throws -> Job? {
        try JobRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM jobs WHERE name = ?"), arguments: [name])?.job
    }

    static func require(_ db: Database, _ name: String) throws -> Job {
        guard let job = try fetch(db, name) else { throw BerthError.notFound(kind: .job, name: name) }
        return job
    }

    /// Jobs by name; a page after `after` when given.
    public static func list(_ db: Database, after: String? = nil, limit: Int? = nil) throws -> [Job] {
        try JobRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM jobs WHERE name > ? ORDER BY name LIMIT ?"), arguments: [after ?? "", limit ?? -1]
        ).map(\.job)
    }

    /// The runs of the periodic job `parent`, by name; a page after `after` when given.
    public static func runs(_ db: Database, parent: String, after: String? = nil, limit: Int? = nil) throws -> [Job] {
        try JobRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM jobs WHERE parent = ? AND name > ? ORDER BY name LIMIT ?"),
            arguments: [parent, after ?? "", limit ?? -1]
        ).map(\.job)
    }

    /// The runs of the periodic jobs named.
    public static func runs(_ db: Database, parents: [String]) throws -> [Job] {
        guard !parents.isEmpty else { return [] }
        return try JobRecord.fetchAll(
            db, sql: "SELECT * FROM jobs WHERE parent IN (SELECT value FROM json_each(?))", arguments: [try JSONColumn.encode(parents)]
        ).map(\.job)
    }

    /// The jobs named (unknown names skipped).
    public static func fetch(_ db: Database, names: [String]) throws -> [Job] {
        guard !names.isEmpty else { return [] }
        return try JobRecord.fetchAll(
            db, sql: "SELECT * FROM jobs WHERE name IN (SELECT value FROM json_each(?))", arguments: [try JSONColumn.encode(names)]
        ).map(\.job)
    }

    /// Creates a job (`pending`, or `suspended`) or changes what may change of it:
    /// `parallelism` and `suspend` (a periodic job: anything but being periodic, for its future
    /// runs). Any other change is a 409 naming the field.
    public static func put(_ tx: WriteTransaction, name: String, spec: JobSpec, cas: UInt64? = nil) throws -> (Job, created: Bool) {
        try Rules.name(name)
        try spec.validate()
        if spec.isPeriodic, name.count > PeriodicPlanner.maxNameLength {
            throw BerthError.invalidArgument(
                field: "name", message: "a periodic job's name is at most \(PeriodicPlanner.maxNameLength) characters (its runs add -<unix seconds>)"
            )
        }
        let existing = try fetch(tx.db, name)
        try CAS.check(cas, kind: .job, name: name, current: existing?.modifyIndex)
        guard var job = existing else {
            let job = Job(
                name: name, spec: spec, status: JobStatus(state: spec.suspend ? .suspended : .pending),
                createTime: tx.now, createIndex: tx.index, modifyIndex: tx.index
            )
            try JobRecord(job).insert(tx.db)
            try tx.record(.job, name, .created, job)
            return (job, true)
        }
        if let field = spec.changedImmutableField(from: job.spec) {
            let may = job.spec.isPeriodic ? "a job cannot become or stop being periodic" : "only parallelism and suspend can"
            throw BerthError.conflict("job \"\(name)\": \(field) cannot change after creation (\(may)); delete the job and create it again")
        }
        guard spec != job.spec else { return (job, false) }
        job.spec = spec
        // The controller moves the state on; a job told to suspend shows it at once.
        if !job.status.state.isFinished, spec.suspend { job.status.state = .suspended }
        if spec.isPeriodic, !spec.suspend, job.status.state == .suspended { job.status.state = job.status.activeRuns.isEmpty ? .pending : .running }
        return (try save(tx, job), false)
    }

    /// Writes a job's status (the job controller's), logging its event.
    @discardableResult
    public static func save(_ tx: WriteTransaction, _ job: Job) throws -> Job {
        var job = job
        job.modifyIndex = tx.index
        try JobRecord(job).update(tx.db)
        try tx.record(.job, job.name, .updated, job)
        return job
    }

    /// Creates the run of a periodic job `parent` named `name` from its spec, unless a job of
    /// that name exists (the name is the run's key: two servers never start it twice).
    @discardableResult
    public static func createRun(_ tx: WriteTransaction, parent: Job, name: String) throws -> Job? {
        guard try fetch(tx.db, name) == nil else { return nil }
        let job = Job(
            name: name, spec: parent.spec.runSpec, status: JobStatus(state: .pending), parent: parent.name,
            createTime: tx.now, createIndex: tx.index, modifyIndex: tx.index
        )
        try JobRecord(job).insert(tx.db)
        try tx.record(.job, name, .created, job)
        return job
    }

    /// Deletes a job and all its containers (their addresses are released; the agents stop
    /// any still running, as they stop every container no longer assigned to them); a
    /// periodic job's runs go with it.
    public static func delete(_ tx: WriteTransaction, name: String, cas: UInt64? = nil) throws -> Job {
        let job = try require(tx.db, name)
        try CAS.check(cas, kind: .job, name: name, current: job.modifyIndex)
        for run in try runs(tx.db, parent: name) { _ = try delete(tx, name: run.name) }
        try ContainerRepository.deleteAll(tx, job: name)
        try tx.db.executeCached(sql: "DELETE FROM jobs WHERE name = ?", arguments: [name])
        try tx.record(.job, name, .deleted, job)
        return job
    }
}
