import BerthCore
import BerthTesting
import Foundation
import GRDB
import Testing
@testable import BerthStore

@Suite struct BackupRestoreTests {
    @Test func snapshotDuringConcurrentWritesIsConsistent() async throws {
        try await withStore { store, db async throws in
            let backup = db.file("backup.db")
            // Every write adds exactly one node or one service, so a consistent copy at index I
            // holds I - 1 of them (index 1 is the built-in networks).
            let snapshotIndex = try await withThrowingTaskGroup(of: UInt64?.self) { group in
                for i in 0..<120 {
                    group.addTask {
                        if i % 3 == 0 {
                            _ = try await store.createService("svc-\(i)")
                        } else {
                            _ = try await store.registerNode("n\(i)")
                        }
                        return nil
                    }
                }
                group.addTask {
                    // Start once the writers are well under way.
                    _ = await eventually { store.hub.current >= 30 }
                    return try await store.snapshot(to: backup)
                }
                var index: UInt64?
                for try await result in group { if let result { index = result } }
                return try #require(index)
            }
            #expect(snapshotIndex >= 30)
            #expect(try await store.currentIndex() == 121)

            let info = try Restore.inspect(backup)
            #expect(info.index == snapshotIndex)
            #expect(info.schemaVersion == SchemaMigrator.knownVersions.last)
            #expect(info.nodes + info.services == Int(info.index) - 1)
            #expect(info.containers == 0)

            let copy = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let (maxEventIndex, nodeLeases, serviceLeases, newest) = try await copy.read { db in
                (
                    try UInt64.fetchOne(db, sql: "SELECT MAX(change_index) FROM events"),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leases WHERE owner_kind = 'node'"),
                    try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM leases WHERE owner_kind = 'service'"),
                    try UInt64.fetchOne(db, sql: "SELECT MAX(m) FROM (SELECT MAX(modify_index) AS m FROM nodes UNION ALL SELECT MAX(modify_index) FROM services)")
                )
            }
            try copy.close()
            #expect(maxEventIndex == info.index)
            #expect(newest == info.index)
            #expect(nodeLeases == info.nodes)
            #expect(serviceLeases == info.services)
        }
    }

    @Test func snapshotOfAnIdleStoreMatchesIt() async throws {
        try await withStore { store, db async throws in
            _ = try await store.registerNode("n1")
            _ = try await store.createService("web")
            let backup = db.file("idle.db")
            let index = try await store.snapshot(to: backup)
            #expect(index == 3)
            #expect(try Restore.inspect(backup) == BackupInfo(schemaVersion: try #require(SchemaMigrator.knownVersions.last), index: 3, nodes: 1, services: 1, containers: 0))
        }
    }

    @Test func restoreIsRefusedWhileAStoreHoldsTheDatabase() async throws {
        try await withStore { store, db async throws in
            _ = try await store.registerNode("n1")
            let backup = db.file("backup.db")
            _ = try await store.snapshot(to: backup)
            let before = try contents(db.path)

            let error = #expect(throws: BerthStoreError.self) { _ = try Restore.restore(from: backup, to: db.path, clock: ManualClock()) }
            guard case .locked = error else {
                Issue.record("expected locked, got \(String(describing: error))")
                return
            }
            #expect(try contents(db.path) == before)
            #expect(!FileManager.default.fileExists(atPath: db.path + ".restoring"))
            #expect(try await store.node("n1") != nil)
        }
    }

    enum BadBackup: String, CaseIterable, Sendable {
        case missing, truncated, randomBytes, plainSQLite, emptyFile, newerBerth
    }

    @Test(arguments: BadBackup.allCases)
    func restoreRefusesABadBackupAndChangesNothing(_ kind: BadBackup) async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let store = try await db.open()
        _ = try await store.registerNode("n1")
        let good = db.file("good.db")
        _ = try await store.snapshot(to: good)
        _ = try await store.registerNode("n2")
        try store.close()

        let bad = db.file("bad.db")
        switch kind {
        case .missing:
            break
        case .truncated:
            let data = try contents(good)
            #expect(data.count > 8192)
            try data.prefix(data.count / 2).write(to: URL(fileURLWithPath: bad))
        case .randomBytes:
            var rng = SplitMix64(seed: 65536)
            try Data((0..<65536).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: URL(fileURLWithPath: bad))
        case .plainSQLite:
            let queue = try DatabaseQueue(path: bad)
            try await queue.write { db in
                try db.execute(sql: "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT); INSERT INTO notes (body) VALUES ('hello')")
            }
            try queue.close()
        case .emptyFile:
            try Data().write(to: URL(fileURLWithPath: bad))
        case .newerBerth:
            try FileManager.default.copyItem(atPath: good, toPath: bad)
            let queue = try DatabaseQueue(path: bad)
            try await queue.write { db in try db.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_future')") }
            try queue.close()
        }

        let before = try contents(db.path)
        let filesBefore = try FileManager.default.contentsOfDirectory(atPath: db.directory).filter { $0.hasPrefix("berth.db") }.sorted()

        let error = #expect(throws: BerthStoreError.self) { _ = try Restore.restore(from: bad, to: db.path, clock: ManualClock()) }
        switch (kind, error) {
        case (.newerBerth, .newerSchema(let message)?):
            #expect(message.contains("9999_future"))
        case (.newerBerth, _):
            Issue.record("expected newerSchema, got \(String(describing: error))")
        case (_, .invalidBackup?):
            break
        default:
            Issue.record("expected invalidBackup, got \(String(describing: error))")
        }

        #expect(try contents(db.path) == before)
        let filesAfter = try FileManager.default.contentsOfDirectory(atPath: db.directory).filter { $0.hasPrefix("berth.db") }.sorted()
        #expect(filesAfter == filesBefore, "restore left files behind")

        // The database still opens with its own state.
        let reopened = try await db.open()
        #expect(try await reopened.currentIndex() == 3)
        #expect(try await reopened.node("n2") != nil)
        try reopened.close()
    }

    @Test func restoreReplacesTheDatabaseAndKeepsTheOldOneAside() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let backup = db.file("backup.db")

        let store = try await db.open()
        _ = try await store.registerNode("n1", spec: Fixtures.nodeSpec(labels: ["zone": "a"]))
        _ = try await store.registerNode("n2")
        _ = try await store.createService("web")
        let backupIndex = try await store.snapshot(to: backup)
        let backupNodes = try await store.readDatabase { db in try NodeRepository.list(db) }.value
        let backupServices = try await store.readDatabase { db in try ServiceRepository.list(db) }.value
        let backupEvents = try await store.eventRows()
        #expect(backupIndex == 4)

        // Changes after the backup, which the restore must undo.
        _ = try await store.registerNode("n3")
        _ = try await store.write { tx in try NodeRepository.delete(tx, name: "n1") }
        _ = try await store.createService("api")
        let laterIndex = try await store.currentIndex()
        try store.close()

        let clock = ManualClock(date: Date(timeIntervalSince1970: 1_700_000_000))
        let (info, keptAt) = try Restore.restore(from: backup, to: db.path, clock: clock)
        #expect(info.index == backupIndex)
        #expect(info.nodes == 2)
        #expect(info.services == 1)
        #expect(keptAt == db.path + ".before-restore-1700000000")
        #expect(!FileManager.default.fileExists(atPath: db.path + ".restoring"))
        #expect(FileManager.default.fileExists(atPath: backup), "the backup file itself is kept")

        // The old database is intact where the restore put it.
        let kept = try Restore.inspect(try #require(keptAt))
        #expect(kept.index == laterIndex)
        #expect(kept.nodes == 2)
        #expect(kept.services == 2)

        let restored = try await db.open()
        #expect(try await restored.currentIndex() == backupIndex)
        #expect(restored.hub.current == backupIndex)
        #expect(try await restored.readDatabase { db in try NodeRepository.list(db) }.value == backupNodes)
        #expect(try await restored.readDatabase { db in try ServiceRepository.list(db) }.value == backupServices)
        #expect(try await restored.eventRows() == backupEvents)
        #expect(try await restored.node("n3") == nil)

        // Writing goes on from the backup's index, and n3 gets the subnet free in the backup.
        let n3 = try await restored.registerNode("n3")
        #expect(n3.createIndex == backupIndex + 1)
        #expect(n3.subnet == "10.88.2.0/24")
        try restored.close()
    }

    @Test func restoreOntoAnEmptyPathKeepsNothingAside() async throws {
        try await withStore { store, db async throws in
            _ = try await store.registerNode("n1")
            let backup = db.file("backup.db")
            let index = try await store.snapshot(to: backup)

            let target = db.file("fresh.db")
            let (info, keptAt) = try Restore.restore(from: backup, to: target, clock: ManualClock())
            #expect(info.index == index)
            #expect(keptAt == nil)

            let restored = try Store(path: target)
            #expect(try await restored.currentIndex() == index)
            #expect(try await restored.node("n1") != nil)
            try restored.close()
        }
    }
}
