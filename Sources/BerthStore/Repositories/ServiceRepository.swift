import BerthCore
import GRDB

/// Services: the desired state the service controller keeps the containers at.
public enum ServiceRepository {
    public static func fetch(_ db: Database, _ name: String) throws -> Service? {
        guard var service = try ServiceRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM services WHERE name = ?"), arguments: [name])?.service else {
            return nil
        }
        let rules = try ConstraintRepository.fetch(db, owner: .service, name: name)[name]
        service.spec.constraints = rules?.hard ?? []
        service.spec.placement.preferences = rules?.soft ?? []
        service.runningReplicas = try running(db, services: [name])[name] ?? 0
        return service
    }

    static func require(_ db: Database, _ name: String) throws -> Service {
        guard let service = try fetch(db, name) else { throw BerthError.notFound(kind: .service, name: name) }
        return service
    }

    /// Services by name; a page after `after` when given.
    public static func list(_ db: Database, after: String? = nil, limit: Int? = nil) throws -> [Service] {
        let records = try ServiceRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM services WHERE name > ? ORDER BY name LIMIT ?"), arguments: [after ?? "", limit ?? -1]
        )
        // A page reads the rules and counts of its own services; the whole list, of all at once.
        let whole = after == nil && (limit == nil || records.count < limit!)
        let rules = try ConstraintRepository.fetch(db, owner: .service, names: whole ? nil : records.map(\.service.name))
        let running = try running(db, services: whole ? nil : records.map(\.service.name))
        return records.map { record in
            var service = record.service
            service.spec.constraints = rules[service.name]?.hard ?? []
            service.spec.placement.preferences = rules[service.name]?.soft ?? []
            service.runningReplicas = running[service.name] ?? 0
            return service
        }
    }

    /// Running replicas per service, of the services named (or of all).
    private static func running(_ db: Database, services: [String]? = nil) throws -> [String: Int] {
        var sql = "SELECT service, COUNT(*) AS n FROM containers WHERE service IS NOT NULL AND state = 'running'"
        var arguments: StatementArguments = []
        if let services {
            guard !services.isEmpty else { return [:] }
            // `+state`: look the named services up by their index, not every running container
            // by state (SQLite's choice without statistics), which made each status report cost
            // time in proportion to the cluster (~10 ms at 100,000 running containers).
            sql = "SELECT service, COUNT(*) AS n FROM containers WHERE service IS NOT NULL AND +state = 'running'"
            sql += " AND service IN (\(services.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(services)
        }
        sql += " GROUP BY service"
        var out: [String: Int] = [:]
        for row in try db.rows(sql: sql, arguments: arguments) { out[row["service"]] = row["n"] }
        return out
    }

    /// Creates a service (leasing it a VIP) or replaces its spec.
    public static func put(_ tx: WriteTransaction, name: String, spec: ServiceSpec, cas: UInt64? = nil) throws -> (Service, created: Bool) {
        try Rules.name(name)
        try spec.validate()
        let existing = try fetch(tx.db, name)
        try CAS.check(cas, kind: .service, name: name, current: existing?.modifyIndex)
        if let existing, existing.spec == spec { return (existing, false) }
        var service = existing ?? Service(name: name, spec: spec, createIndex: tx.index)
        service.spec = spec
        if existing == nil {
            service.vip = try LeaseRepository.leaseServiceVIP(tx, service: name)
        }
        service.modifyIndex = tx.index
        let previousVersion = try tx.db.value(UInt64.self, sql: "SELECT template_version FROM services WHERE name = ?", arguments: [name])
        let templateVersion = existing?.spec.template == spec.template ? (previousVersion ?? tx.index) : tx.index
        try ServiceRecord(service, templateVersion: templateVersion).save(tx.db)
        try ConstraintRepository.replace(tx.db, owner: .service, name: name, hard: spec.constraints, soft: spec.placement.preferences)
        let stored = try require(tx.db, name)
        try tx.record(.service, name, existing == nil ? .created : .updated, stored)
        let sourcesMoved = try IngressSources.replace(tx.db, service: name, rules: spec.ingress)
        try TargetRepository.refresh(tx, service: name, force: TargetsShape(existing) != TargetsShape(stored) || sourcesMoved.contains(name))
        // A service these rules started or stopped naming may have become or stopped being a
        // policy source: its document gains or loses its members, in this same write.
        for source in sourcesMoved.sorted() where source != name { try TargetRepository.refresh(tx, service: source, force: true) }
        return (stored, existing == nil)
    }

    /// Deletes a service: its VIP is released, containers not yet placed (or already ended)
    /// are removed, and the rest are told to stop.
    public static func delete(_ tx: WriteTransaction, name: String, cas: UInt64? = nil) throws -> Service {
        let service = try require(tx.db, name)
        try CAS.check(cas, kind: .service, name: name, current: service.modifyIndex)
        try ContainerRepository.deleteIdle(tx, service: name)
        // The service's targets go with it below: no need to recompute them per container.
        try ContainerRepository.stopAll(tx, service: name, reason: "service \(name) was deleted")
        try LeaseRepository.release(tx, ownerKind: .service, owner: name)
        try ConstraintRepository.delete(tx.db, owner: .service, name: name)
        let sources = try IngressSources.named(tx.db, by: name)
        try tx.db.executeCached(sql: "DELETE FROM services WHERE name = ?", arguments: [name])  // and its ingress_sources rows
        try tx.record(.service, name, .deleted, service)
        try tx.record(.target, name, .deleted, ServiceTargets(service: name, vip: nil, ports: [], loadBalancer: service.spec.loadBalancer, targets: []))
        for source in sources.sorted() where source != name { try TargetRepository.refresh(tx, service: source, force: true) }
        return service
    }

    /// What a service contributes to its target document besides the targets and members: a
    /// change to any of it is a `target` event even when no target moved.
    private struct TargetsShape: Equatable {
        var vip: String?
        var ports: [ServicePort]
        var loadBalancer: LoadBalancer
        var ingress: [IngressRule]

        init?(_ service: Service?) {
            guard let service else { return nil }
            (vip, ports, loadBalancer, ingress) = (service.vip, service.spec.ports, service.spec.loadBalancer, service.spec.ingress)
        }
    }
}
