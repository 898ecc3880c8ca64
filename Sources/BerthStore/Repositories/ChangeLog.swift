import BerthCore
import GRDB

/// The change index and the event log: how clients follow every change without missing one.
public enum ChangeLog {
    public static func current(_ db: Database) throws -> UInt64 {
        try db.value(UInt64.self, sql: "SELECT current FROM cluster_index WHERE id = 1") ?? 0
    }

    public static func compactedThrough(_ db: Database) throws -> UInt64 {
        try db.value(UInt64.self, sql: "SELECT compacted_through FROM cluster_index WHERE id = 1") ?? 0
    }

    /// A page of events after `after`, in order. An index's events are never split across
    /// pages, so `next` is always a safe `after` for the following call.
    public struct Page: Sendable {
        public var events: [ChangeEvent]
        public var next: UInt64
    }

    /// `node` keeps only the events of containers on that node (what an agent may see).
    public static func page(_ db: Database, after: UInt64, limit: Int, kind: ObjectKind?, node: String? = nil) throws -> Page {
        try page(db, after: after, limit: limit, kinds: kind.map { [$0] }, node: node)
    }

    /// A page of the events of `kinds` (nil: every kind); `node` keeps only the events of
    /// containers on that node (what an agent may see).
    public static func page(_ db: Database, after: UInt64, limit: Int, kinds: Set<ObjectKind>?, node: String? = nil) throws -> Page {
        // SQLite integers are signed 64-bit; no index gets near the top of that range.
        let after = min(after, UInt64(Int64.max))
        let through = try compactedThrough(db)
        if after < through {
            throw BerthError.compacted(after: after, compactedThrough: through)
        }
        let current = try current(db)
        // Kind names are a fixed vocabulary, safe to spell into the statement.
        var kindClause = kinds.map { " AND kind IN (" + $0.map { "'\($0.rawValue)'" }.sorted().joined(separator: ",") + ")" } ?? ""
        if node != nil { kindClause += " AND kind = 'container' AND json_extract(object, '$.node') = :node" }
        var filters: StatementArguments = [:]
        if let node { filters += ["node": node] }
        let arguments: StatementArguments = ["after": after, "limit": limit + 1] + filters
        var rows = try db.rows(sql: """
            SELECT seq, change_index, kind, name, op, object FROM events
            WHERE change_index > :after\(kindClause) ORDER BY seq LIMIT :limit
            """, arguments: arguments)
        var next = current
        if rows.count > limit {
            rows.removeLast()
            // Complete the last index rather than cut it in two.
            let lastIndex: UInt64 = rows[rows.count - 1]["change_index"]
            let lastSeq: Int64 = rows[rows.count - 1]["seq"]
            let rest: StatementArguments = ["index": lastIndex, "seq": lastSeq] + filters
            rows += try db.rows(sql: """
                SELECT seq, change_index, kind, name, op, object FROM events
                WHERE change_index = :index AND seq > :seq\(kindClause) ORDER BY seq
                """, arguments: rest)
            next = lastIndex
        }
        let events = rows.map { row in
            ChangeEvent(
                index: row["change_index"], kind: ObjectKind(rawValue: row["kind"])!, name: row["name"],
                op: ChangeOp(rawValue: row["op"])!, object: row["object"]
            )
        }
        return Page(events: events, next: next)
    }

    /// The nodes named by the container events after `index`: who follows `?node=` feeds and
    /// has something new. Read from the events themselves, so the wake-ups match exactly what
    /// those feeds' pages show.
    static func containerNodes(_ db: Database, after index: UInt64) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: """
            SELECT DISTINCT object ->> '$.node' FROM events
            WHERE change_index > ? AND kind = 'container' AND object ->> '$.node' IS NOT NULL
            """), arguments: [index]))
    }

    /// Drops events older than the retention window; runs inside a write batch, amortised so it
    /// deletes in chunks of a tenth of the window rather than on every commit.
    static func compactIfDue(_ db: Database, current: UInt64, retention: UInt64) throws {
        guard current > retention else { return }
        let through = try compactedThrough(db)
        let target = current - retention
        guard target > through, target - through >= max(1, retention / 10) else { return }
        try db.executeCached(sql: "DELETE FROM events WHERE change_index <= ?", arguments: [target])
        try db.executeCached(sql: "UPDATE cluster_index SET compacted_through = ? WHERE id = 1", arguments: [target])
    }
}
