import BerthCore
import BerthStore
import Foundation
import GRDB
import Testing

/// `berth check`'s verdicts on real files: healthy, and each invariant broken on purpose
/// (behind the schema's back, as a bug or a hand edit would).
@Suite struct ClusterCheckTests {
    /// A closed database file with one node.
    func seeded() async throws -> TempDatabase {
        let temp = try TempDatabase()
        let store = try await temp.open()
        _ = try await store.write { tx in try NodeRepository.put(tx, name: "n1", spec: Fixtures.nodeSpec()) }
        try store.close()
        return temp
    }

    @Test func aSoundDatabaseIsHealthy() async throws {
        let temp = try await seeded()
        defer { temp.remove() }
        let report = try ClusterCheck.run(path: temp.path)
        #expect(report.isHealthy, "\(report.problems)")
        #expect(report.integrity == ["ok"])
        #expect(report.schemaVersion == SchemaMigrator.knownVersions.last)
    }

    @Test(arguments: [
        ("allocation", "UPDATE nodes SET allocated_cpu = 999"),
        ("change index", "UPDATE cluster_index SET current = 0"),
        ("placement", """
            INSERT INTO containers (id, state, desired_state, template, cpu, memory, create_index, modify_index)
            VALUES ('c9', 'running', 'running', '{}', 0, 0, 1, 1)
            """),
    ])
    func aBrokenInvariantIsNamed(_ kind: String, _ sql: String) async throws {
        let temp = try await seeded()
        defer { temp.remove() }
        let queue = try DatabaseQueue(path: temp.path)
        try await queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            for trigger in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'trigger'") {
                try db.execute(sql: "DROP TRIGGER \(trigger)")
            }
            try db.execute(sql: sql)
        }
        try queue.close()
        let report = try ClusterCheck.run(path: temp.path)
        #expect(!report.isHealthy)
        #expect(report.problems.contains { $0.hasPrefix(kind) }, "\(report.problems)")
    }

    @Test func aFileThatIsNotBerthsIsReported() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-berth-\(UUID().uuidString).db").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let queue = try DatabaseQueue(path: path)
        try queue.inDatabase { db in try db.execute(sql: "CREATE TABLE t (x)") }
        try queue.close()
        let report = try ClusterCheck.run(path: path)
        #expect(!report.isHealthy)
        #expect(report.problems == ["no Berth schema in this file"])
    }
}
