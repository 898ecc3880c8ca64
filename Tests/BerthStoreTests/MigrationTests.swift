import BerthCore
import Foundation
import GRDB
import Testing
@testable import BerthStore

@Suite struct MigrationTests {
    /// The tables of the first migration; later ones may add more.
    static let tables: Set<String> = ["cluster_index", "constraints", "containers", "events", "grdb_migrations", "leases", "networks", "nodes", "services"]

    @Test func emptyFileIsMigratedToTheFullSchema() async throws {
        try await withStore(networks: false) { store, db async throws in
            #expect(FileManager.default.fileExists(atPath: db.path))
            let (tables, applied, index, through) = try await store.readDatabase { db in
                (
                    try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name"),
                    try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"),
                    try ChangeLog.current(db),
                    try ChangeLog.compactedThrough(db)
                )
            }.value
            #expect(Self.tables.isSubset(of: Set(tables)), "missing tables: \(Self.tables.subtracting(tables).sorted())")
            #expect(applied == SchemaMigrator.knownVersions)
            #expect(applied.first == "0001_initial")
            #expect(index == 0)
            #expect(through == 0)
            #expect(store.hub.current == 0)
        }
    }

    @Test func writerIsDurableWALWithForeignKeys() async throws {
        try await withStore(networks: false) { store, _ async throws in
            let (synchronous, journal, foreignKeys) = try await store.pool.writeWithoutTransaction { db in
                (
                    try Int.fetchOne(db, sql: "PRAGMA synchronous"),
                    try String.fetchOne(db, sql: "PRAGMA journal_mode"),
                    try Int.fetchOne(db, sql: "PRAGMA foreign_keys")
                )
            }
            #expect(synchronous == 2, "synchronous must be FULL (2) on the writer")
            #expect(journal == "wal")
            #expect(foreignKeys == 1)

            let readerForeignKeys = try await store.readDatabase { db in try Int.fetchOne(db, sql: "PRAGMA foreign_keys") }.value
            #expect(readerForeignKeys == 1)

            // Still FULL after writes went through the group committer.
            _ = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: TempDatabase.clusterCIDR, serviceCIDR: TempDatabase.serviceCIDR)
            }
            let after = try await store.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") }
            #expect(after == 2)
        }
    }

    @Test func foreignKeysAreEnforced() async throws {
        try await withStore(networks: false) { store, _ async throws in
            // A lease must name an existing network.
            let error = await #expect(throws: DatabaseError.self) {
                try await store.pool.write { db in
                    try db.execute(sql: """
                        INSERT INTO leases (network, ip, owner_kind, owner, node, create_index)
                        VALUES ('nowhere', '10.0.0.1', 'service', 's', NULL, 1)
                        """)
                }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(try await store.rowCount("leases") == 0)
        }
    }

    @Test func newerSchemaIsRefusedAndLeftUntouched() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let store = try await db.open()
        _ = try await store.registerNode("n1")
        try store.close()

        let future = try DatabaseQueue(path: db.path)
        try await future.write { db in
            try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')")
        }
        try future.close()
        let before = try contents(db.path)

        let error = #expect(throws: BerthStoreError.self) { _ = try Store(path: db.path) }
        guard case .newerSchema(let message) = error else {
            Issue.record("expected newerSchema, got \(String(describing: error))")
            return
        }
        #expect(message.contains("9999_future"))
        #expect(message.contains("upgrade berth"))

        // The file is exactly as it was, and a second attempt is refused the same way (so the
        // failed open released its lock).
        #expect(try contents(db.path) == before)
        #expect(throws: BerthStoreError.self) { _ = try Store(path: db.path) }
        #expect(try contents(db.path) == before)

        let check = try DatabaseQueue(path: db.path)
        let (applied, index, nodes) = try await check.read { db in
            (
                try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier"),
                try ChangeLog.current(db),
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM nodes")
            )
        }
        try check.close()
        #expect(applied == SchemaMigrator.knownVersions + ["9999_future"])
        #expect(index == 2)
        #expect(nodes == 1)
    }

    @Test func reopeningKeepsDataAndIndex() async throws {
        let db = try TempDatabase()
        defer { db.remove() }

        let first = try await db.open()
        _ = try await first.registerNode("n1", spec: Fixtures.nodeSpec(labels: ["zone": "a"]))
        let node = try #require(try await first.node("n1"))
        let service = try await first.createService("web")
        let index = try await first.currentIndex()
        let events = try await first.eventRows()
        try first.close()
        #expect(index == 3)

        // Opening again (and running the start-up network step again) changes nothing.
        let second = try await db.open()
        #expect(try await second.currentIndex() == index)
        #expect(second.hub.current == index)
        #expect(try await second.eventRows() == events)
        #expect(try await second.node("n1") == node)
        let reread = try await second.readDatabase { db in try ServiceRepository.fetch(db, "web") }.value
        #expect(reread == service)
        #expect(reread?.vip == "10.96.0.1")

        let next = try await second.registerNode("n2")
        #expect(next.createIndex == index + 1)
        #expect(next.subnet == "10.88.1.0/24")
        try second.close()
    }

    /// The files as a crash would leave them: committed writes still in the WAL, not checkpointed.
    @Test(arguments: [true, false])
    func reopeningAfterACrashKeepsCommittedWrites(withSharedMemoryFile: Bool) async throws {
        try await withStore { store, db async throws in
            _ = try await store.registerNode("n1")
            _ = try await store.createService("web")
            let index = try await store.currentIndex()
            #expect((try? FileManager.default.attributesOfItem(atPath: db.path + "-wal")[.size] as? Int) ?? 0 > 0)

            let crashed = db.file("crashed.db")
            var suffixes = ["", "-wal"]
            if withSharedMemoryFile { suffixes.append("-shm") }
            for suffix in suffixes {
                try FileManager.default.copyItem(atPath: db.path + suffix, toPath: crashed + suffix)
            }

            let recovered = try Store(path: crashed)
            #expect(try await recovered.currentIndex() == index)
            #expect(try await recovered.node("n1")?.subnet == "10.88.0.0/24")
            #expect(try await recovered.readDatabase { db in try ServiceRepository.fetch(db, "web")?.vip }.value == "10.96.0.1")
            try recovered.close()
        }
    }

    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let directory = root.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == embeddedMigrations.map(\.identifier),
                "run scripts/embed-resources after changing migrations/")
        for (file, migration) in zip(files, embeddedMigrations) {
            let sql = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            #expect(sql == migration.sql, "\(file) differs from its embedded copy; run scripts/embed-resources")
        }
    }
}
