import GRDB

/// Applies `migrations/*.sql` (carried in the binary) in order, each in its own transaction and
/// recorded by GRDB's migrator, so an old database is upgraded in place. A database that has
/// migrations this binary does not know comes from a newer Berth and is refused, never touched.
public enum SchemaMigrator {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in embeddedMigrations {
            migrator.registerMigration(migration.identifier) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// The identifiers this binary knows, oldest first.
    public static var knownVersions: [String] { embeddedMigrations.map(\.identifier) }

    /// Migrates `writer` up to `target` (all migrations when nil).
    public static func migrate(_ writer: some DatabaseWriter, upTo target: String? = nil) throws {
        try checkNotNewer(writer)
        if let target {
            try migrator.migrate(writer, upTo: target)
        } else {
            try migrator.migrate(writer)
        }
    }

    /// Throws `newerSchema` when the database holds migrations this binary does not know.
    public static func checkNotNewer(_ reader: some DatabaseReader) throws {
        let applied = try reader.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(knownVersions)
        if !unknown.isEmpty {
            throw BerthStoreError.newerSchema(
                "database schema is newer than this berth: it has migrations \(unknown.sorted().joined(separator: ", ")) "
                    + "but this binary knows up to \(knownVersions.last ?? "none"); upgrade berth"
            )
        }
    }

    /// The newest migration applied to the database, or nil for an empty file.
    public static func appliedVersion(_ db: Database) throws -> String? {
        try migrator.appliedIdentifiers(db).max()
    }
}
