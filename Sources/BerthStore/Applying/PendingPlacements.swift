import BerthCore
import GRDB

/// Commits the scheduler's placements and records why the rest wait.
public enum PendingPlacements {
    /// Commits placements: each container still pending is moved to its node with an address
    /// from the node's subnet, and its lease and events are written, all set-based in SQLite
    /// (a placement is four rows; doing them one statement at a time from Swift costs several
    /// times more). The capacity triggers re-check every row; if one refuses (an API write got
    /// there first), the chunk is redone row by row and only the rows that still fit are placed.
    ///
    /// `addresses` carries what earlier chunks of the same pass learnt about leased addresses;
    /// the caller keeps the returned book for its next chunk.
    public static func apply(_ tx: WriteTransaction, _ assignments: some Sequence<SchedulePlan.Assignment>,
                             addresses: AddressBook = AddressBook()) throws -> (placed: Int, skipped: Int, addresses: AddressBook) {
        let assignments = Array(assignments)
        let names = Array(Set(assignments.map(\.node)))
        var nodes: [String: (subnet: CIDR, ok: Bool)] = [:]
        let rows = try Row.fetchCursor(tx.db, sql: """
            SELECT name, subnet, status = 'ready' AND availability = 'active' FROM nodes
            WHERE subnet IS NOT NULL AND name IN (SELECT value FROM json_each(?))
            """, arguments: [try JSONColumn.encode(names)])
        while let row = try rows.next() {
            if let cidr = CIDR(row[1] as String) { nodes[row[0]] = (cidr, row[2]) }
        }
        var addresses = addresses
        try addresses.refresh(tx, nodes: names)
        var batch: [(id: String, node: String, ip: String)] = []
        var skipped = 0
        for assignment in assignments {
            guard let node = nodes[assignment.node], node.ok,
                  let ip = addresses.take(on: assignment.node, subnet: node.subnet)
            else { skipped += 1; continue }
            batch.append((assignment.container, assignment.node, ip.description))
        }
        guard !batch.isEmpty else { return (0, skipped, addresses) }
        do {
            var placed = 0
            // In a savepoint: a refusal by a later statement must not leave the earlier ones.
            try tx.db.inSavepoint {
                placed = try applySetBased(tx, batch)
                return .commit
            }
            return (placed, skipped + batch.count - placed, addresses)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            let placed = try applyRowByRow(tx, batch, addresses: &addresses, subnets: nodes.mapValues(\.subnet))
            return (placed, skipped + batch.count - placed, addresses)
        }
    }

    private static func applySetBased(_ tx: WriteTransaction, _ batch: [(id: String, node: String, ip: String)]) throws -> Int {
        try tx.db.executeCached(sql: "DELETE FROM temp.placement_batch")
        for row in batch {
            try tx.db.executeCached(sql: "INSERT INTO temp.placement_batch (id, node, ip) VALUES (?, ?, ?)", arguments: [row.id, row.node, row.ip])
        }
        let index = tx.index
        let arguments: StatementArguments = ["index": index]
        // `id IN (…)` and the correlated lookups walk the batch and use the primary keys; the
        // CROSS JOINs below keep SQLite from scanning `containers` once per batch row.
        try tx.db.executeCached(sql: """
            UPDATE containers SET
                node = (SELECT b.node FROM temp.placement_batch b WHERE b.id = containers.id),
                ip = (SELECT b.ip FROM temp.placement_batch b WHERE b.id = containers.id),
                state = 'scheduled', reason = NULL, modify_index = :index
            WHERE id IN (SELECT id FROM temp.placement_batch) AND +state = 'pending' AND +desired_state = 'running'
            """, arguments: arguments)
        let placed = tx.db.changesCount
        guard placed > 0 else { return 0 }
        let placedRows = """
            FROM temp.placement_batch b CROSS JOIN containers c ON c.id = b.id
            WHERE c.modify_index = :index AND c.ip = b.ip AND c.node = b.node
            """
        try tx.db.executeCached(sql: """
            INSERT INTO leases (network, ip, owner_kind, owner, node, create_index)
            SELECT 'default', b.ip, 'container', b.id, b.node, :index \(placedRows)
            """, arguments: arguments)
        try tx.db.executeCached(sql: """
            INSERT INTO events (change_index, kind, name, op, object)
            SELECT :index, 'container', b.id, 'updated', \(ContainerJSONSQL.document("c")) \(placedRows)
            """, arguments: arguments)
        try tx.db.executeCached(sql: """
            INSERT INTO events (change_index, kind, name, op, object)
            SELECT :index, 'lease', 'default/' || b.ip, 'created',
                   berth_lease_json('default', b.ip, 'container', b.id, b.node, :index)
            \(placedRows)
            """, arguments: arguments)
        for row in try tx.db.rows(sql: "SELECT b.id, b.ip \(placedRows)", arguments: arguments) {
            tx.touched(.container, row["id"])
            tx.touched(.lease, "default/" + (row["ip"] as String))
        }
        return placed
    }

    /// The fallback after a refused chunk: each placement in a savepoint of its own, so one the
    /// capacity triggers refuse (an API write got there first) is skipped alone and tried again
    /// next pass. An address found leased already (leaked behind the store's back, until the IPAM
    /// repair frees it) is noted in the book and the next free one is tried.
    private static func applyRowByRow(_ tx: WriteTransaction, _ batch: [(id: String, node: String, ip: String)],
                                      addresses: inout AddressBook, subnets: [String: CIDR]) throws -> Int {
        var placed = 0
        for row in batch {
            var ip = row.ip
            var outcome = RowOutcome.refused
            for _ in 0..<8 {
                outcome = try placeOne(tx, id: row.id, node: row.node, ip: ip)
                guard outcome == .addressTaken, let subnet = subnets[row.node],
                      let next = addresses.take(on: row.node, subnet: subnet) else { break }
                ip = next.description
            }
            guard outcome == .placed else { continue }
            try ContainerRepository.recordEvent(tx, row.id, .updated)
            try tx.recordDocument(.lease, "default/\(ip)", .created, documentSQL: """
                SELECT berth_lease_json('default', ?, 'container', ?, ?, ?) AS document
                """, arguments: [ip, row.id, row.node, tx.index])
            placed += 1
        }
        return placed
    }

    private enum RowOutcome { case placed, refused, addressTaken }

    /// One placement and its lease, or neither.
    private static func placeOne(_ tx: WriteTransaction, id: String, node: String, ip: String) throws -> RowOutcome {
        var outcome = RowOutcome.refused
        do {
            try tx.db.inSavepoint {
                try tx.db.executeCached(sql: """
                    UPDATE containers SET node = ?, ip = ?, state = 'scheduled', reason = NULL, modify_index = ?
                    WHERE id = ? AND state = 'pending' AND desired_state = 'running'
                    """, arguments: [node, ip, tx.index, id])
                guard tx.db.changesCount == 1 else { return .rollback }
                outcome = .addressTaken
                try tx.db.executeCached(sql: """
                    INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES ('default', ?, 'container', ?, ?, ?)
                    """, arguments: [ip, id, node, tx.index])
                outcome = .placed
                return .commit
            }
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            // The UPDATE refused: capacity. The INSERT refused: the address is leased already.
            return outcome == .addressTaken ? .addressTaken : .refused
        }
        return outcome
    }

    /// Records why containers stay pending, where the reason changed.
    public static func explain(_ tx: WriteTransaction, _ reasons: some Sequence<(String, String)>) throws -> Int {
        var changed = 0
        for (id, reason) in reasons {
            // Look before writing: an unchanged reason must not take a change index.
            let current = try Row.fetchOne(tx.db, sql: "SELECT reason FROM containers WHERE id = ? AND state = 'pending'", arguments: [id])
            guard let current, (current["reason"] as String?) != reason else { continue }
            try tx.db.executeCached(sql: """
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
