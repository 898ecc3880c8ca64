import BerthCore
import Foundation
import GRDB

/// A row of `jobs`: the spec as one JSON document, the status in columns.
struct JobRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "jobs"

    var job: Job

    init(_ job: Job) { self.job = job }

    init(row: Row) throws {
        let status = JobStatus(
            state: JobState(rawValue: row["state"]) ?? .pending,
            reason: (row["reason"] as String?).flatMap(JobReason.init(rawValue:)),
            active: row["active"], succeeded: row["succeeded"], failed: row["failed"],
            completedIndexes: row["completed_indexes"],
            startTime: (row["start_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            completionTime: (row["completion_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastScheduleTime: (row["last_schedule_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            lastSuccessfulTime: (row["last_successful_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            activeRuns: try JSONColumn.decode([String].self, from: row["active_runs"])
        )
        job = Job(
            name: row["name"], spec: try JSONColumn.decode(JobSpec.self, from: row["spec"]), status: status,
            parent: row["parent"], createTime: (row["create_time"] as Double?).map(Date.init(timeIntervalSince1970:)),
            createIndex: row["create_index"], modifyIndex: row["modify_index"]
        )
    }

    func encode(to container: inout PersistenceContainer) throws {
        container["name"] = job.name
        container["spec"] = try JSONColumn.encode(job.spec)
        container["state"] = job.status.state.rawValue
        container["reason"] = job.status.reason?.rawValue
        container["active"] = job.status.active
        container["succeeded"] = job.status.succeeded
        container["failed"] = job.status.failed
        container["completed_indexes"] = job.status.completedIndexes
        container["start_time"] = job.status.startTime?.timeIntervalSince1970
        container["completion_time"] = job.status.completionTime?.timeIntervalSince1970
        container["last_schedule_time"] = job.status.lastScheduleTime?.timeIntervalSince1970
        container["last_successful_time"] = job.status.lastSuccessfulTime?.timeIntervalSince1970
        container["active_runs"] = try JSONColumn.encode(job.status.activeRuns)
        container["parent"] = job.parent
        container["create_time"] = job.createTime?.timeIntervalSince1970
        container["create_index"] = job.createIndex
        container["modify_index"] = job.modifyIndex
    }
}
