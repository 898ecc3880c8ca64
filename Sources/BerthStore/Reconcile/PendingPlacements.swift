import BerthCore
import GRDB

/// The containers waiting for a node, as placement requests for the scheduler.
public enum PendingPlacements {
    /// Pending containers that want to run, oldest first, with their previous reason so an
    /// unchanged reason is not written again.
    public static func read(_ db: Database, limit: Int = .max) throws -> (requests: [PlacementRequest], reasons: [String: String]) {
        var services: [String: (constraints: [Constraint], preferences: [WeightedConstraint], placement: Placement)] = [:]
        for service in try ServiceRepository.list(db) {
            services[service.name] = (
                service.spec.constraints.compactMap { try? Constraint.parse($0) },
                service.spec.placement.preferences.compactMap { p in (try? Constraint.parse(p.constraint)).map { WeightedConstraint($0, weight: p.weight) } },
                service.spec.placement
            )
        }
        let standalone = try ConstraintRepository.fetch(db, owner: .container)
        var requests: [PlacementRequest] = []
        var reasons: [String: String] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT id, service, cpu, memory, static_ports, pinned_node, reason FROM containers
            WHERE state = 'pending' AND desired_state = 'running' ORDER BY create_index, id LIMIT ?
            """, arguments: [limit == .max ? -1 : limit])
        while let row = try rows.next() {
            let id: String = row[0]
            let service: String? = row[1]
            var request = PlacementRequest(
                container: id, service: service, resources: Resources(cpu: row[2], memory: row[3]),
                hostPorts: (row[4] as String?)?.split(separator: ",").compactMap { Int($0) } ?? [], pinnedNode: row[5]
            )
            if let service, let rules = services[service] {
                request.constraints = rules.constraints
                request.preferences = rules.preferences
                request.strategy = rules.placement.strategy
                request.spreadBy = rules.placement.spreadBy
                request.maxPerNode = rules.placement.maxPerNode
            } else if let rules = standalone[id] {
                request.constraints = rules.hard.compactMap { try? Constraint.parse($0) }
                request.preferences = rules.soft.compactMap { p in (try? Constraint.parse(p.constraint)).map { WeightedConstraint($0, weight: p.weight) } }
            }
            if let reason: String = row[6] { reasons[id] = reason }
            requests.append(request)
        }
        return (requests, reasons)
    }

    /// Commits placements: each container still pending is moved to its node with an address
    /// from the node's subnet, in one statement that the capacity triggers re-check. A
    /// placement that no longer fits (an API write got there first) is skipped, not forced.
    public static func apply(_ tx: WriteTransaction, _ assignments: some Sequence<SchedulePlan.Assignment>) throws -> (placed: Int, skipped: Int) {
        var nodes: [String: (subnet: CIDR, ok: Bool)] = [:]
        for row in try Row.fetchAll(tx.db, sql: "SELECT name, subnet, status, availability FROM nodes WHERE subnet IS NOT NULL") {
            if let cidr = CIDR(row["subnet"] as String) {
                nodes[row["name"]] = (cidr, row["status"] == "ready" && row["availability"] == "active")
            }
        }
        var used: [String: Set<UInt32>] = [:]
        var placed = 0
        var skipped = 0
        for assignment in assignments {
            guard let node = nodes[assignment.node], node.ok else { skipped += 1; continue }
            if used[assignment.node] == nil {
                used[assignment.node] = Set(try String.fetchAll(tx.db, sql: """
                    SELECT ip FROM leases WHERE network = 'default' AND node = ? AND owner_kind = 'container'
                    """, arguments: [assignment.node]).compactMap { IPv4Address($0)?.value })
            }
            guard let ip = node.subnet.firstFree(excluding: used[assignment.node]!, reserveGateway: true) else { skipped += 1; continue }
            do {
                try tx.db.execute(sql: """
                    UPDATE containers SET node = ?, ip = ?, state = 'scheduled', reason = NULL, modify_index = ?
                    WHERE id = ? AND state = 'pending' AND desired_state = 'running'
                    """, arguments: [assignment.node, ip.description, tx.index, assignment.container])
            } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
                skipped += 1  // the capacity trigger refused it: the node filled up meanwhile
                continue
            }
            guard tx.db.changesCount == 1 else { skipped += 1; continue }
            used[assignment.node]!.insert(ip.value)
            try tx.db.execute(sql: """
                INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES ('default', ?, 'container', ?, ?, ?)
                """, arguments: [ip.description, assignment.container, assignment.node, tx.index])
            try ContainerRepository.recordEvent(tx, assignment.container, .updated)
            let leaseName = "default/\(ip)"
            try tx.recordDocument(.lease, leaseName, .created, documentSQL: """
                SELECT json_object('network', 'default', 'ip', ?, 'ownerKind', 'container', 'owner', ?, 'node', ?, 'createIndex', ?) AS document
                """, arguments: [ip.description, assignment.container, assignment.node, tx.index])
            placed += 1
        }
        return (placed, skipped)
    }

    /// Records why containers stay pending, where the reason changed.
    public static func explain(_ tx: WriteTransaction, _ reasons: some Sequence<(String, String)>) throws -> Int {
        var changed = 0
        for (id, reason) in reasons {
            // Look before writing: an unchanged reason must not take a change index.
            let current = try Row.fetchOne(tx.db, sql: "SELECT reason FROM containers WHERE id = ? AND state = 'pending'", arguments: [id])
            guard let current, (current["reason"] as String?) != reason else { continue }
            try tx.db.execute(sql: """
                UPDATE containers SET reason = ?, modify_index = ? WHERE id = ? AND state = 'pending' AND reason IS NOT ?
                """, arguments: [reason, tx.index, id, reason])
            if tx.db.changesCount == 1 {
                try ContainerRepository.recordEvent(tx, id, .updated)
                changed += 1
            }
        }
        return changed
    }
}
