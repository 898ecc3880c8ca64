import BerthCore
import Foundation
import GRDB

/// An offline verdict on a database file: SQLite's own integrity check, Berth's schema version,
/// and the cluster invariants the schema and transactions are meant to keep. `berth check`
/// prints it; the crash and fuzz tests run it after abusing a server.
public struct CheckReport: Sendable, Equatable {
    /// `PRAGMA integrity_check`'s answer: `["ok"]` for a sound file.
    public var integrity: [String]
    /// The newest migration applied, nil for a file without Berth's schema.
    public var schemaVersion: String?
    /// Broken invariants: any one makes the database unfit to serve.
    public var problems: [String]
    /// Things the server repairs by itself (leaked leases), worth knowing but not failures.
    public var notes: [String]
    public var index: UInt64

    public var isHealthy: Bool { integrity == ["ok"] && schemaVersion != nil && problems.isEmpty }
}

public enum ClusterCheck {
    /// Opens `path` read-only (it may be in use by a running server) and checks it.
    public static func run(path: String) throws -> CheckReport {
        let queue = try ReadOnlyFile.open(path, failure: BerthStoreError.cannotOpen)
        defer { try? queue.close() }
        return try queue.read { db in try check(db) }
    }

    public static func check(_ db: Database) throws -> CheckReport {
        var report = CheckReport(integrity: [], schemaVersion: nil, problems: [], notes: [], index: 0)
        do {
            report.integrity = try db.values(String.self, sql: "PRAGMA integrity_check")
        } catch {
            report.integrity = ["cannot run integrity_check: \(error)"]
            return report
        }
        guard try db.tableExists("grdb_migrations"), try db.tableExists("cluster_index") else {
            report.problems.append("no Berth schema in this file")
            return report
        }
        report.schemaVersion = try SchemaMigrator.appliedVersion(db)
        let unknown = try SchemaMigrator.migrator.appliedIdentifiers(db).subtracting(SchemaMigrator.knownVersions)
        if !unknown.isEmpty {
            report.problems.append("schema is newer than this berth (migrations \(unknown.sorted().joined(separator: ", ")))")
            return report
        }
        report.index = try ChangeLog.current(db)
        report.problems = try invariants(db, index: report.index)
        report.notes = try repairable(db)
        return report
    }

    /// Each query selects one readable line per violation.
    static let invariantQueries: [(what: String, sql: String)] = [
        ("capacity", """
            SELECT 'node ' || n.name || ' is overcommitted: ' || SUM(c.cpu) || 'm of ' || n.cpu || 'm cpu, '
                   || SUM(c.memory) || ' of ' || n.memory || ' MiB'
            FROM nodes n JOIN containers c ON c.node = n.name AND c.state NOT IN ('exited', 'failed', 'lost')
            GROUP BY n.name HAVING SUM(c.cpu) > n.cpu OR SUM(c.memory) > n.memory
            """),
        ("allocation", """
            SELECT 'node ' || n.name || ' records ' || n.allocated_cpu || 'm/' || n.allocated_memory
                   || ' MiB allocated but its containers hold ' || COALESCE(SUM(c.cpu), 0) || 'm/' || COALESCE(SUM(c.memory), 0) || ' MiB'
            FROM nodes n LEFT JOIN containers c ON c.node = n.name AND c.state NOT IN ('exited', 'failed', 'lost')
            GROUP BY n.name
            HAVING n.allocated_cpu != COALESCE(SUM(c.cpu), 0) OR n.allocated_memory != COALESCE(SUM(c.memory), 0)
            """),
        ("unique IPs", """
            SELECT 'IP ' || ip || ' is held by ' || COUNT(*) || ' live containers: ' || GROUP_CONCAT(id, ', ')
            FROM containers WHERE ip IS NOT NULL AND state NOT IN ('exited', 'failed', 'lost')
            GROUP BY ip HAVING COUNT(*) > 1
            """),
        ("container leases", """
            SELECT 'container ' || c.id || ' has IP ' || c.ip || ' without its lease'
            FROM containers c
            WHERE c.ip IS NOT NULL AND c.state NOT IN ('exited', 'failed', 'lost')
              AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.owner_kind = 'container' AND l.owner = c.id AND l.ip = c.ip)
            """),
        ("lease nodes", """
            SELECT 'lease of ' || l.ip || ' says node ' || COALESCE(l.node, '(none)') || ' but container ' || c.id || ' is on '
                   || COALESCE(c.node, '(none)')
            FROM leases l JOIN containers c ON l.owner_kind = 'container' AND l.owner = c.id
            WHERE c.state NOT IN ('exited', 'failed', 'lost') AND l.node IS NOT c.node
            """),
        ("placement", """
            SELECT 'container ' || id || ' is ' || state || ' but on no node'
            FROM containers WHERE node IS NULL AND state IN ('scheduled', 'starting', 'running')
            """),
        ("change index", """
            SELECT 'the change index ' || current || ' is behind ' || what || ' ' || seen
            FROM cluster_index, (
                SELECT 'an event at' AS what, MAX(change_index) AS seen FROM events
                UNION ALL SELECT 'a node modified at', MAX(modify_index) FROM nodes
                UNION ALL SELECT 'a service modified at', MAX(modify_index) FROM services
                UNION ALL SELECT 'a container modified at', MAX(modify_index) FROM containers
            )
            WHERE seen > current
            """),
    ]

    static func invariants(_ db: Database, index: UInt64) throws -> [String] {
        var problems: [String] = []
        for query in invariantQueries {
            problems += try db.values(String.self, sql: query.sql).map { "\(query.what): \($0)" }
        }
        return problems
    }

    /// Leases whose owner is gone: the IPAM repair pass reclaims them while the server runs.
    static func repairable(_ db: Database) throws -> [String] {
        try db.values(String.self, sql: """
            SELECT 'lease ' || l.network || '/' || l.ip || ' of container ' || l.owner || ' outlived its container'
            FROM leases l LEFT JOIN containers c ON c.id = l.owner
            WHERE l.owner_kind = 'container' AND (c.id IS NULL OR c.state IN ('exited', 'failed', 'lost'))
            LIMIT 20
            """)
    }
}
