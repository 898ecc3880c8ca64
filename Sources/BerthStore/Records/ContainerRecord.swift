import BerthCore
import Foundation
import GRDB

/// A row of `containers`; a standalone container's constraints live in `constraints`.
struct ContainerRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "containers"

    var container: Container

    init(_ container: Container) { self.container = container }

    init(row: Row) throws {
        container = Container(
            id: row["id"], name: row["name"], service: row["service"], node: row["node"], ip: row["ip"],
            state: ContainerState(rawValue: row["state"]) ?? .pending,
            desiredState: DesiredState(rawValue: row["desired_state"]) ?? .running,
            reason: row["reason"], exitCode: row["exit_code"], healthy: row["healthy"],
            hostPorts: try JSONColumn.decode([String: Int].self, from: row["host_ports"]),
            labels: try JSONColumn.decode([String: String].self, from: row["labels"]),
            template: try JSONColumn.decode(ContainerTemplate.self, from: row["template"]),
            attempt: row["attempt"],
            startedAt: (row["started_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row["finished_at"] as Double?).map(Date.init(timeIntervalSince1970:)),
            templateVersion: row["template_version"], pinnedNode: row["pinned_node"],
            job: row["job"], jobIndex: row["job_index"],
            createIndex: row["create_index"], modifyIndex: row["modify_index"]
        )
    }

    func encode(to out: inout PersistenceContainer) throws {
        out["id"] = container.id
        out["name"] = container.name
        out["service"] = container.service
        out["node"] = container.node
        out["ip"] = container.ip
        out["state"] = container.state.rawValue
        out["desired_state"] = container.desiredState.rawValue
        out["reason"] = container.reason
        out["exit_code"] = container.exitCode
        out["healthy"] = container.healthy
        out["host_ports"] = try JSONColumn.encode(container.hostPorts)
        out["labels"] = try JSONColumn.encode(container.labels)
        out["template"] = try JSONColumn.encode(container.template)
        out["attempt"] = container.attempt
        out["started_at"] = container.startedAt?.timeIntervalSince1970
        out["finished_at"] = container.finishedAt?.timeIntervalSince1970
        out["template_version"] = container.templateVersion
        out["pinned_node"] = container.pinnedNode
        out["job"] = container.job
        out["job_index"] = container.jobIndex
        let ports = container.template.staticHostPorts
        out["static_ports"] = ports.isEmpty ? nil : ports.map(String.init).joined(separator: ",")
        out["cpu"] = container.template.resources.cpu
        out["memory"] = container.template.resources.memory
        out["create_index"] = container.createIndex
        out["modify_index"] = container.modifyIndex
    }
}
