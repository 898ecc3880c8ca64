import BerthCore
import GRDB

/// Load-balancer targets, stored per service and kept current inside the same transaction as
/// the container, node or service change that moves them: a watcher of
/// `/v1/services/{name}/targets` wakes on the commit that changed them, and only then.
///
/// The same document carries the service's ingress rules and, when some rule names the service
/// (it is a policy source, `IngressSources`), its members: running containers with an address,
/// healthy or not. So an agent enforces network policy from this one watch. Members are not
/// stored: they are read from `containers` whenever a document is made, and a container
/// entering or leaving them logs a `target` event in the transaction that moved it
/// (`ContainerRepository.update` and `delete` compare the row before and after).
public enum TargetRepository {
    /// The stored targets of a service, with its VIP, ports, algorithm, rules and (for a policy
    /// source) members.
    public static func fetch(_ db: Database, service name: String) throws -> ServiceTargets {
        try targets(db, of: try ServiceRepository.require(db, name))
    }

    /// The stored targets of a service already read.
    static func targets(_ db: Database, of service: Service) throws -> ServiceTargets {
        try document(db, service, targets: stored(db, service: service.name))
    }

    private static func document(_ db: Database, _ service: Service, targets: [ServiceTargets.Target]) throws -> ServiceTargets {
        ServiceTargets(
            service: service.name, vip: service.vip, ports: service.spec.ports, loadBalancer: service.spec.loadBalancer,
            ingress: service.spec.ingress, targets: targets,
            members: try IngressSources.isSource(db, service.name) ? members(db, service: service.name) : nil
        )
    }

    /// A service's running containers that hold an address, by id (`containers_by_service`
    /// finds the service's rows; only those are read). `+state`: without it SQLite (having no
    /// statistics) picks `containers_by_state` and reads every running container of the
    /// cluster for each service, which made `GET /v1/targets` of 10,000 services with 30,000
    /// running replicas cost ~90 s of CPU (`berth-bench services --only agent`).
    static func members(_ db: Database, service: String) throws -> [ServiceTargets.Member] {
        try Row.fetchAll(db.cachedStatement(sql: """
            SELECT id, ip, node FROM containers
            WHERE service = ? AND +state = 'running' AND ip IS NOT NULL AND node IS NOT NULL ORDER BY id
            """), arguments: [service]).map { ServiceTargets.Member(container: $0[0], ip: $0[1], node: $0[2]) }
    }

    /// Whether the container is one of its service's stored targets. A deleted container's rows
    /// go with it by cascade, so its delete asks first and forces the refresh that tells the
    /// targets' watchers (and the DNS zone) that it left.
    static func isTarget(_ db: Database, service: String, container id: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM service_targets WHERE service = ? AND container = ?)"),
                          arguments: [service, id]) ?? false
    }

    /// What a container row shows as a member, or nil when it is none (the rule of `members`).
    static func member(id: String, state: ContainerState, ip: String?, node: String?) -> ServiceTargets.Member? {
        guard state == .running, let ip, let node else { return nil }
        return ServiceTargets.Member(container: id, ip: ip, node: node)
    }

    private static func stored(_ db: Database, service: String, container: String? = nil) throws -> [ServiceTargets.Target] {
        let one = container == nil ? "" : " AND container = :container"
        return try db.rows(sql: """
            SELECT container, node, ip, port, host_address, host_port FROM service_targets
            WHERE service = :service\(one) ORDER BY container, port
            """, arguments: ["service": service, "container": container]).map { row in
            ServiceTargets.Target(
                container: row["container"], node: row["node"], ip: row["ip"], port: row["port"],
                hostAddress: row["host_address"], hostPort: row["host_port"]
            )
        }
    }

    /// What the targets should be: running containers that are healthy (or have no health
    /// check), one per service port (or, without service ports, per container port).
    /// `container` limits it to that one container's targets.
    static func compute(_ db: Database, service: Service, container: String? = nil) throws -> [ServiceTargets.Target] {
        let one = container == nil ? "" : " AND c.id = :container"
        let rows = try db.rows(sql: """
            SELECT c.id, c.node, c.ip, c.healthy, c.host_ports, c.template, n.address
            FROM containers c JOIN nodes n ON n.name = c.node
            WHERE c.service = :service AND c.state = 'running' AND c.desired_state = 'running'\(one)
            ORDER BY c.id
            """, arguments: ["service": service.name, "container": container])
        var targets: [ServiceTargets.Target] = []
        for row in rows {
            let template = try JSONColumn.decode(ContainerTemplate.self, from: row["template"])
            let healthy: Bool? = row["healthy"]
            if healthy == false || (template.healthCheck != nil && healthy != true) { continue }
            let hostPorts = try JSONColumn.decode([String: Int].self, from: row["host_ports"])
            let ports: [(Int, String?)] = service.spec.ports.isEmpty
                ? template.ports.map { ($0.containerPort, $0.name) }
                : service.spec.ports.map { port in (port.targetPort, template.ports.first { $0.containerPort == port.targetPort }?.name) }
            var seen = Set<Int>()
            for (port, name) in ports where seen.insert(port).inserted {
                let fixed = template.ports.first { $0.containerPort == port }?.hostPort
                targets.append(ServiceTargets.Target(
                    container: row["id"], node: row["node"], ip: row["ip"], port: port, hostAddress: row["address"],
                    hostPort: name.flatMap { hostPorts[$0] } ?? fixed
                ))
            }
        }
        return targets.sorted { ($0.container, $0.port) < ($1.container, $1.port) }
    }

    /// Recomputes a service's targets (or, with `container`, only that container's: the others'
    /// cannot have moved, so a status report costs one container's work, not the whole
    /// service's) and, if they changed, stores them and logs a `target` event with the service's
    /// whole document. `force` logs one even when the rows did not move (the VIP, ports, load
    /// balancing or ingress rules did, or the service became or stopped being a policy source);
    /// `membersMoved`, when the caller saw a container enter or leave the members (an event
    /// only for a policy source, the only kind whose document lists them).
    static func refresh(_ tx: WriteTransaction, service name: String, container id: String? = nil, force: Bool = false,
                        membersMoved: Bool = false) throws {
        guard let service = try ServiceRepository.fetch(tx.db, name) else { return }
        let next = try compute(tx.db, service: service, container: id)
        let current = try stored(tx.db, service: name, container: id)
        let targetsMoved = next != current
        guard try force || targetsMoved || (membersMoved && IngressSources.isSource(tx.db, name)) else { return }
        if targetsMoved {
            try tx.db.executeCached(
                sql: "DELETE FROM service_targets WHERE service = :service AND (:container IS NULL OR container = :container)",
                arguments: ["service": name, "container": id]
            )
            for target in next {
                try tx.db.executeCached(sql: """
                    INSERT INTO service_targets (service, container, port, node, ip, host_address, host_port)
                    VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [name, target.container, target.port, target.node, target.ip, target.hostAddress, target.hostPort])
            }
        }
        let targets = id == nil ? next : try stored(tx.db, service: name)
        try tx.record(.target, name, .updated, try document(tx.db, service, targets: targets))
    }

    /// Refreshes every service with a container on `node` (its address moved, or it went away).
    static func refresh(_ tx: WriteTransaction, servicesOnNode node: String) throws {
        let services = try tx.db.values(String.self, sql: "SELECT DISTINCT service FROM containers WHERE node = ? AND service IS NOT NULL", arguments: [node])
        for service in services { try refresh(tx, service: service) }
    }
}
