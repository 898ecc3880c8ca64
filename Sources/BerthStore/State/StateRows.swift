import BerthCore
import Foundation
import GRDB

/// The rows the in-memory `ClusterState` is made of, read by key after a commit or all at once
/// at start. Lean queries: no container JSON is decoded, only the columns the controllers use.
enum StateRows {
    /// Containers by id; an id without a row was deleted.
    static func containers(_ db: Database, ids: [String]) throws -> [ContainerRow] {
        guard !ids.isEmpty else { return [] }
        return try containers(db, sql: "WHERE id IN (SELECT value FROM json_each(?))", arguments: [try JSONColumn.encode(ids)])
    }

    static func allContainers(_ db: Database) throws -> [ContainerRow] {
        try containers(db, sql: "", arguments: [])
    }

    private static func containers(_ db: Database, sql filter: String, arguments: StatementArguments) throws -> [ContainerRow] {
        typealias C = ContainerColumns
        var out: [ContainerRow] = []
        var standalone: [String] = []
        let rows = try Row.fetchCursor(db, sql: "SELECT \(C.selection) FROM containers \(filter)", arguments: arguments)
        while let row = try rows.next() {
            let container = ContainerRow(row)
            if container.view.service == nil, container.view.state == .pending { standalone.append(container.view.id) }
            out.append(container)
        }
        // A standalone container's placement rules are rows of their own; only a pending one needs them.
        if !standalone.isEmpty {
            let rules = try ConstraintRepository.fetch(db, owner: .container, names: standalone.count > 500 ? nil : standalone)
            for i in out.indices where out[i].view.service == nil && out[i].view.state == .pending {
                if let rule = rules[out[i].view.id] { out[i].rules = PlacementRules(hard: rule.hard, soft: rule.soft) }
            }
        }
        return out
    }

    /// What `containers` selects, by position.
    enum ContainerColumns: Int, RowColumns {
        case id, service, node, state, desiredState, healthy, exitCode, reason, createIndex, modifyIndex
        case templateVersion, attempt, pinnedNode, startedAt, finishedAt, staticPorts, cpu, memory, ip, job, jobIndex
    }

    /// `select` narrowed to the rows `names` names (all of them for nil); nil when it names none.
    private static func named(_ select: String, _ names: [String]?) throws -> (sql: String, arguments: StatementArguments)? {
        guard let names else { return (select, []) }
        guard !names.isEmpty else { return nil }
        return (select + " WHERE name IN (SELECT value FROM json_each(?))", [try JSONColumn.encode(names)])
    }

    /// Nodes by name; a name without a row was deleted.
    static func nodes(_ db: Database, names: [String]?) throws -> [NodeRow] {
        guard let (sql, arguments) = try named("SELECT name, address, labels, cpu, memory, status, availability, subnet IS NOT NULL, last_heartbeat FROM nodes", names) else { return [] }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            NodeRow(
                name: row[0], address: row[1], labels: try JSONColumn.decodeStringMap(row[2]),
                capacity: Resources(cpu: row[3], memory: row[4]),
                status: NodeStatus(rawValue: row[5]) ?? .down, availability: Availability(rawValue: row[6]) ?? .active,
                hasSubnet: row[7], lastHeartbeat: (row[8] as Double?).map(Date.init(timeIntervalSince1970:))
            )
        }
    }

    /// The capacity each node row says its containers hold (kept by the schema's triggers).
    static func allocated(_ db: Database) throws -> [String: Resources] {
        var out: [String: Resources] = [:]
        for row in try Row.fetchAll(db, sql: "SELECT name, allocated_cpu, allocated_memory FROM nodes") {
            out[row[0]] = Resources(cpu: row[1], memory: row[2])
        }
        return out
    }

    /// Jobs by name (nil: all) as the scheduler places their containers: their placement rules.
    static func jobs(_ db: Database, names: [String]?) throws -> [JobPlacement] {
        guard let (sql, arguments) = try named("SELECT name, spec FROM jobs", names) else { return [] }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let spec = try JSONColumn.decode(JobSpec.self, from: row[1])
            return JobPlacement(name: row[0], constraints: spec.constraints, placement: spec.placement)
        }
    }

    /// Services by name (nil: all) as the reconciler and the scheduler see them.
    static func services(_ db: Database, names: [String]?) throws -> [ServiceView] {
        guard let (sql, arguments) = try named("SELECT * FROM services", names) else { return [] }
        let records = try ServiceRecord.fetchAll(db, sql: sql, arguments: arguments)
        let rules = try ConstraintRepository.fetch(db, owner: .service, names: names.map { _ in records.map(\.service.name) })
        return records.map { record in
            var spec = record.service.spec
            spec.constraints = rules[record.service.name]?.hard ?? []
            spec.placement.preferences = rules[record.service.name]?.soft ?? []
            return ServiceView(name: record.service.name, spec: spec, templateVersion: record.templateVersion)
        }
    }
}

extension ContainerRow {
    /// Decodes a row selected with `StateRows.ContainerColumns.selection`.
    init(_ row: Row) {
        typealias C = StateRows.ContainerColumns
        view = ContainerView(
            id: row[C.id], service: row[C.service], node: row[C.node], state: ContainerState(rawValue: row[C.state]) ?? .pending,
            desiredState: DesiredState(rawValue: row[C.desiredState]) ?? .running, healthy: row[C.healthy],
            exitCode: row[C.exitCode], reason: row[C.reason], createIndex: row[C.createIndex],
            templateVersion: row[C.templateVersion], attempt: row[C.attempt], pinnedNode: row[C.pinnedNode],
            startedAt: (row[C.startedAt] as Double?).map(Date.init(timeIntervalSince1970:)),
            finishedAt: (row[C.finishedAt] as Double?).map(Date.init(timeIntervalSince1970:)),
            job: row[C.job], jobIndex: row[C.jobIndex]
        )
        modifyIndex = row[C.modifyIndex]
        resources = Resources(cpu: row[C.cpu], memory: row[C.memory])
        staticPorts = (row[C.staticPorts] as String?)?.split(separator: ",").compactMap { Int($0) } ?? []
        address = (row[C.ip] as String?).flatMap(IPv4Address.init)?.value
    }
}
