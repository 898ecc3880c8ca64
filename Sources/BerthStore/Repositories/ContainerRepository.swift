import BerthCore
import Foundation
import GRDB

/// Containers: standalone ones users create, and (from the service controller) replicas.
public enum ContainerRepository {
    public static func fetch(_ db: Database, _ id: String) throws -> Container? {
        guard var container = try ContainerRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM containers WHERE id = ?"), arguments: [id])?.container else {
            return nil
        }
        if let rules = try ConstraintRepository.fetch(db, owner: .container, name: id)[id] {
            container.constraints = rules.hard
            container.preferences = rules.soft
        }
        return container
    }

    /// How many containers wait for a node (the `containers_pending` partial index answers it).
    public static func countPending(_ db: Database) throws -> Int {
        try db.value(Int.self, sql: "SELECT COUNT(*) FROM containers WHERE state = 'pending'") ?? 0
    }

    static func require(_ db: Database, _ id: String) throws -> Container {
        guard let container = try fetch(db, id) else { throw BerthError.notFound(kind: .container, name: id) }
        return container
    }

    /// Containers matching every filter given, oldest first, as values (for the store's own
    /// passes; the API reads `documents`).
    package static func list(_ db: Database, service: String? = nil, node: String? = nil, state: ContainerState? = nil) throws -> [Container] {
        let (filter, arguments) = whereClause(ContainerFilter(service: service, node: node, state: state))
        let rules = try ConstraintRepository.fetch(db, owner: .container)
        return try ContainerRecord.fetchAll(db, sql: "SELECT * FROM containers c\(filter) ORDER BY c.create_index, c.id", arguments: arguments)
            .map { record in
                var container = record.container
                if let own = rules[container.id] {
                    container.constraints = own.hard
                    container.preferences = own.soft
                }
                return container
            }
    }

    /// A page of containers matching `filter`, oldest first, each as its API JSON rendered by
    /// `ContainerJSON` inside the query: no decoding of templates, no encoder.
    static func documents(_ db: Database, _ filter: ContainerFilter, after cursor: ListCursor?, limit: Int) throws -> [ContainerDocument] {
        var (clause, arguments) = whereClause(filter)
        if let cursor {
            let fields = cursor.fields
            guard fields.count == 2, let index = Int64(fields[0]) else {
                throw BerthError.invalidArgument(field: "next", message: "is not a continuation token of a container list")
            }
            clause += (clause.isEmpty ? " WHERE " : " AND ") + "(c.create_index, c.id) > (?, ?)"
            arguments += [index, fields[1]]
        }
        arguments += [limit]
        return try db.rows(sql: """
            SELECT c.id, c.create_index, \(ContainerJSONSQL.document("c")) AS document FROM containers c\(clause)
            ORDER BY c.create_index, c.id LIMIT ?
            """, arguments: arguments).map { row in
            ContainerDocument(id: row[0], createIndex: row[1], json: row[2])
        }
    }

    private static func whereClause(_ filter: ContainerFilter) -> (String, StatementArguments) {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let id = filter.id { clauses.append("c.id = ?"); arguments += [id] }
        if let service = filter.service { clauses.append("c.service = ?"); arguments += [service] }
        if let job = filter.job { clauses.append("c.job = ?"); arguments += [job] }
        if let node = filter.node { clauses.append("c.node = ?"); arguments += [node] }
        if let state = filter.state { clauses.append("c.state = ?"); arguments += [state.rawValue] }
        return (clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND "), arguments)
    }

    /// The node of a container: nil when there is no such container, `.some(nil)` if unplaced.
    static func node(_ db: Database, _ id: String) throws -> String?? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT node FROM containers WHERE id = ?"), arguments: [id]) else {
            return nil
        }
        return .some(row["node"])
    }

    /// Creates a standalone container, `pending` until the scheduler places it.
    public static func create(_ tx: WriteTransaction, spec: ContainerSpec) throws -> Container {
        try spec.validate()
        if let name = spec.name,
           try tx.db.value(String.self, sql: "SELECT id FROM containers WHERE name = ?", arguments: [name]) != nil {
            throw BerthError.conflict("a container named \"\(name)\" already exists")
        }
        let container = Container(
            id: newID(), name: spec.name, state: .pending, desiredState: .running, reason: "waiting for the scheduler",
            labels: spec.labels, template: spec.template, constraints: spec.constraints, preferences: spec.preferences,
            createIndex: tx.index, modifyIndex: tx.index
        )
        try ContainerRecord(container).insert(tx.db)
        try ConstraintRepository.replace(tx.db, owner: .container, name: container.id, hard: spec.constraints, soft: spec.preferences)
        try recordEvent(tx, container.id, .created)
        return try require(tx.db, container.id)
    }

    /// Creates a job's container for completion index `index`, `pending` until the scheduler
    /// places it. Its placement rules are the job's (the scheduler reads them from the job),
    /// plus, for a retry in place, its own strongest preference for `preferredNode`.
    @discardableResult
    public static func createForJob(
        _ tx: WriteTransaction, job: String, index: Int, template: ContainerTemplate, attempt: Int, preferredNode: String? = nil
    ) throws -> String {
        let id = newID()
        let ports = template.staticHostPorts
        try tx.db.executeCached(sql: """
            INSERT INTO containers (id, job, job_index, state, desired_state, reason, host_ports, labels, template, cpu, memory,
                                    create_index, modify_index, template_version, attempt, static_ports)
            VALUES (?, ?, ?, 'pending', 'running', 'waiting for the scheduler', '{}', '{}', ?, ?, ?, ?, ?, 0, ?, ?)
            """, arguments: [id, job, index, try JSONColumn.encode(template), template.resources.cpu, template.resources.memory,
                             tx.index, tx.index, attempt, ports.isEmpty ? nil : ports.map(String.init).joined(separator: ",")])
        if let preferredNode, Rules.isDNSLabel(preferredNode) {
            let rule = Preference(constraint: try Constraint.parse("node.name==\(preferredNode)"), weight: 100)
            try ConstraintRepository.replace(tx.db, owner: .container, name: id, hard: [], soft: [rule])
        }
        try recordEvent(tx, id, .created)
        return id
    }

    /// A service's template, encoded once for all the replicas a pass creates.
    public struct ReplicaTemplate: Sendable {
        let service: String
        let json: String
        let resources: Resources
        let staticPorts: String?
        let version: UInt64

        public init(service: Service, version: UInt64) throws {
            self.service = service.name
            self.json = try JSONColumn.encode(service.spec.template)
            self.resources = service.spec.template.resources
            let ports = service.spec.template.staticHostPorts
            self.staticPorts = ports.isEmpty ? nil : ports.map(String.init).joined(separator: ",")
            self.version = version
        }
    }

    /// Creates a replica of a service, `pending` until the scheduler places it.
    @discardableResult
    public static func createReplica(_ tx: WriteTransaction, _ template: ReplicaTemplate, pinnedNode: String?, attempt: Int, reason: String?) throws -> String {
        let id = newID()
        try tx.db.executeCached(sql: """
            INSERT INTO containers (id, service, state, desired_state, reason, host_ports, labels, template, cpu, memory,
                                    create_index, modify_index, template_version, attempt, pinned_node, static_ports)
            VALUES (?, ?, 'pending', 'running', ?, '{}', '{}', ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [id, template.service, reason ?? "waiting for the scheduler", template.json, template.resources.cpu,
                             template.resources.memory, tx.index, tx.index, template.version, attempt, pinnedNode, template.staticPorts])
        try recordEvent(tx, id, .created)
        return id
    }

    /// Logs a container's event with its API JSON, rendered from its row (`ContainerJSON`).
    static func recordEvent(_ tx: WriteTransaction, _ id: String, _ op: ChangeOp) throws {
        try tx.recordDocument(.container, id, op, documentSQL: documentByID, arguments: [id])
    }

    static let documentByID = "SELECT \(ContainerJSONSQL.document("c")) AS document FROM containers c WHERE c.id = ?"

    /// Saves a changed container at this write's index; a container that no longer runs
    /// anywhere gives its address back. Its service's targets are refreshed, and a `target`
    /// event logged when it entered or left them or the service's members.
    @discardableResult
    public static func update(_ tx: WriteTransaction, _ container: Container, refreshTargets: Bool = true) throws -> Container {
        var container = container
        if container.ip != nil, container.state.isTerminal || container.node == nil {
            try LeaseRepository.release(tx, ownerKind: .container, owner: container.id)
            container.ip = nil
        }
        let before = refreshTargets && container.service != nil ? try member(tx.db, container.id) : nil
        container.modifyIndex = tx.index
        try ContainerRecord(container).update(tx.db)
        try recordEvent(tx, container.id, .updated)
        if refreshTargets, let service = container.service {
            let after = TargetRepository.member(id: container.id, state: container.state, ip: container.ip, node: container.node)
            try TargetRepository.refresh(tx, service: service, container: container.id, membersMoved: before != after)
        }
        return container
    }

    /// The container's row as a service member (one primary-key read), before it changes.
    private static func member(_ db: Database, _ id: String) throws -> ServiceTargets.Member? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT state, ip, node FROM containers WHERE id = ?"), arguments: [id]),
              let state = ContainerState(rawValue: row[0])
        else { return nil }
        return TargetRepository.member(id: id, state: state, ip: row[1], node: row[2])
    }

    /// Applies an agent's report on one of its containers.
    public static func report(_ tx: WriteTransaction, id: String, report: StatusReport, cas: UInt64? = nil) throws -> Container {
        try report.validate()
        let existing = try require(tx.db, id)
        try CAS.check(cas, kind: .container, name: id, current: existing.modifyIndex)
        guard existing.node != nil else {
            throw BerthError.conflict("container \(id) is not assigned to a node (state \(existing.state.rawValue)); nothing can report on it")
        }
        var container = existing
        container.state = ContainerState(rawValue: report.state.rawValue)!
        switch report.state {
        case .starting, .running:
            container.exitCode = nil
            container.reason = report.reason
            container.finishedAt = nil
            if report.state == .running, existing.state != .running { container.startedAt = tx.now }
        case .exited, .failed:
            container.exitCode = report.exitCode ?? container.exitCode
            container.reason = report.reason ?? (report.state == .failed ? "failed" : "exited with code \(container.exitCode ?? 0)")
            container.healthy = nil
            if !existing.state.isTerminal { container.finishedAt = tx.now }
        }
        if let healthy = report.healthy, !container.state.isTerminal { container.healthy = healthy }
        if let hostPorts = report.hostPorts { container.hostPorts = hostPorts }
        return try update(tx, container)
    }

    /// Removes a container and releases its address.
    public static func delete(_ tx: WriteTransaction, id: String, cas: UInt64? = nil) throws -> Container {
        let container = try require(tx.db, id)
        try CAS.check(cas, kind: .container, name: id, current: container.modifyIndex)
        try recordEvent(tx, id, .deleted)
        try LeaseRepository.release(tx, ownerKind: .container, owner: id)
        try ConstraintRepository.delete(tx.db, owner: .container, name: id)
        let wasTarget = try container.service.map { try TargetRepository.isTarget(tx.db, service: $0, container: id) } ?? false
        try tx.db.executeCached(sql: "DELETE FROM containers WHERE id = ?", arguments: [id])
        if let service = container.service {
            let wasMember = TargetRepository.member(id: id, state: container.state, ip: container.ip, node: container.node) != nil
            try TargetRepository.refresh(tx, service: service, container: id, force: wasTarget, membersMoved: wasMember)
        }
        return container
    }

    /// Removes, in a few set-based statements, every container of `service` that holds no
    /// node's resources (pending or ended), with their events, leases and constraints: deleting a
    /// service of 100,000 replicas takes seconds, not minutes of one write lock.
    static func deleteIdle(_ tx: WriteTransaction, service: String) throws {
        try deleteSet(tx, "SELECT id FROM containers WHERE service = :service AND state IN ('pending', 'exited', 'failed', 'lost')",
                      arguments: ["service": service])
    }

    /// Removes every container of `job`, whatever its state, in the same few statements: the
    /// agents stop those still running, as they stop any container no longer assigned to them.
    static func deleteAll(_ tx: WriteTransaction, job: String) throws {
        try deleteSet(tx, "SELECT id FROM containers WHERE job = :job", arguments: ["job": job])
    }

    /// Removes the containers `idle` selects (a `SELECT id …` over the named `arguments`), with
    /// their events, leases and constraints.
    private static func deleteSet(_ tx: WriteTransaction, _ idle: String, arguments named: [String: (any DatabaseValueConvertible)?]) throws {
        let ids = try tx.db.values(String.self, sql: idle, arguments: StatementArguments(named))
        guard !ids.isEmpty else { return }
        var all = named
        all["index"] = tx.index
        let arguments = StatementArguments(all)
        try tx.db.execute(sql: """
            INSERT INTO events (change_index, kind, name, op, object)
            SELECT :index, 'container', c.id, 'deleted', \(ContainerJSONSQL.document("c"))
            FROM containers c WHERE c.id IN (\(idle))
            """, arguments: arguments)
        let leases = try tx.db.values(String.self, sql: """
            SELECT network || '/' || ip FROM leases WHERE owner_kind = 'container' AND owner IN (\(idle))
            """, arguments: arguments)
        try tx.db.execute(sql: """
            INSERT INTO events (change_index, kind, name, op, object)
            SELECT :index, 'lease', network || '/' || ip, 'deleted', berth_lease_json(network, ip, owner_kind, owner, node, create_index)
            FROM leases WHERE owner_kind = 'container' AND owner IN (\(idle))
            """, arguments: arguments)
        try tx.db.execute(sql: "DELETE FROM leases WHERE owner_kind = 'container' AND owner IN (\(idle))", arguments: arguments)
        try tx.db.execute(sql: "DELETE FROM constraints WHERE owner_kind = 'container' AND owner IN (\(idle))", arguments: arguments)
        try tx.db.execute(sql: "DELETE FROM containers WHERE id IN (\(idle))", arguments: arguments)
        for id in ids { tx.touched(.container, id) }
        for lease in leases { tx.touched(.lease, lease) }
    }

    /// Tells every container of `service` still wanted to stop, in three set-based statements
    /// whatever their number (the agents stop them and report): deleting a service of 10,000
    /// running replicas is one write of milliseconds, not 10,000 row round trips.
    static func stopAll(_ tx: WriteTransaction, service: String, reason: String) throws {
        let arguments: StatementArguments = ["service": service, "reason": reason, "index": tx.index]
        try tx.db.execute(sql: """
            UPDATE containers SET desired_state = 'stopped', reason = :reason, modify_index = :index
            WHERE service = :service AND desired_state != 'stopped'
            """, arguments: arguments)
        guard tx.db.changesCount > 0 else { return }
        let stopped = "FROM containers c WHERE c.service = :service AND c.modify_index = :index"
        try tx.db.execute(sql: """
            INSERT INTO events (change_index, kind, name, op, object)
            SELECT :index, 'container', c.id, 'updated', \(ContainerJSONSQL.document("c")) \(stopped)
            """, arguments: arguments)
        for id in try tx.db.values(String.self, sql: "SELECT c.id \(stopped)", arguments: arguments) { tx.touched(.container, id) }
    }

    /// A new container id (see `ContainerID`).
    static func newID() -> String { ContainerID.next() }
}
