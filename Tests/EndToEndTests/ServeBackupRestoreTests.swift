import BerthClient
import BerthTesting
import Foundation
import Testing

/// Drives the built `berth` binary the way the README does: serve, write, watch, back up,
/// stop, restore, serve again.
@Suite(.heavy, .serialized) struct ServeBackupRestoreTests {
    static let node = #"{"address":"127.0.0.1","labels":{"zone":"a"},"capacity":{"cpu":4000,"memory":8192}}"#

    @Test func backupStopRestoreServeShowsTheBackupState() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        let backupFile = folder.appendingPathComponent("backup.db").path

        let server = try await ServerProcess(database: db)
        let client = server.client
        for name in ["n1", "n2", "n3"] {
            let reply = try await client.send("PUT", "/v1/nodes/\(name)", body: Data(Self.node.utf8))
            #expect(reply.status == 201)
        }
        let service = try await client.send("PUT", "/v1/services/web", body: Data(#"{"replicas":3,"template":{"image":"web:1"}}"#.utf8))
        #expect(service.status == 201)

        let backup = try await BerthBinary.run(["backup", "--server", server.url.absoluteString, "--out", backupFile], token: server.token)
        #expect(backup.status == 0, "berth backup failed: \(backup.stderr)")
        #expect(backup.stdout.contains("written to"))
        // "backup of index N written to ..."
        let backupIndex = backup.stdout.split(separator: " ").dropFirst(3).first.flatMap { UInt64($0) }

        // A change after the backup, which the restore must undo.
        let late = try await client.send("PUT", "/v1/nodes/late", body: Data(Self.node.utf8))
        #expect(late.status == 201)

        // Restoring under a running server is refused and changes nothing.
        let refused = try await BerthBinary.run(["restore", "--from", backupFile, "--db", db])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("in use"), "stderr: \(refused.stderr)")

        // A watcher parked at shutdown is answered, and the server exits cleanly. The watch
        // waits the longest there is (10m), far past the grace `stop` gives before SIGKILL: a
        // clean exit and an answer show that shutdown answered it.
        let index = late.index!
        async let parked = client.send("GET", "/v1/nodes/n1?index=\(index)&wait=10m")
        try await eventually("the watch is parked") { try await server.watchesWaiting() == 1 }
        let status = await server.stop()
        #expect(status == 0)
        #expect(try await parked.status == 200)

        let restore = try await BerthBinary.run(["restore", "--from", backupFile, "--db", db])
        #expect(restore.status == 0, "berth restore failed: \(restore.stderr)")
        #expect(restore.stdout.contains("3 nodes, 1 services"))
        #expect(restore.stdout.contains("kept at"))

        let again = try await ServerProcess(database: db)
        let nodes = try await again.client.get("/v1/nodes")
        let names = (try JSONSerialization.jsonObject(with: nodes.body) as? [String: Any])?["items"] as? [[String: Any]]
        #expect(names?.compactMap { $0["name"] as? String } == ["n1", "n2", "n3"])
        // The index went back to the backup's, before the late write. (The restored server's
        // loops write at once, placing web's replicas, so its current index is no witness.)
        let restoredAt = try #require(backupIndex, "\(backup.stdout)")
        #expect(restoredAt < late.index!)
        #expect(restore.stdout.contains("to index \(restoredAt) "), "\(restore.stdout)")
        let history = try await again.client.get("/v1/events?after=0&limit=5000")
        let events = ((try JSONSerialization.jsonObject(with: history.body) as? [String: Any])?["events"] as? [[String: Any]]) ?? []
        #expect(!events.isEmpty)
        #expect(!events.contains { $0["kind"] as? String == "node" && $0["name"] as? String == "late" }, "the late write is not in the restored history")
        let leases = try await again.client.get("/v1/leases")
        let owners = ((try JSONSerialization.jsonObject(with: leases.body) as? [String: Any])?["items"] as? [[String: Any]]) ?? []
        #expect(owners.filter { $0["ownerKind"] as? String != "container" }.count == 4, "three node subnets and one VIP")
        #expect(try await again.client.get("/v1/services/web").status == 200)
        #expect(await again.stop() == 0)
    }

    @Test func aSecondServerOnTheSameDatabaseIsRefused() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        let first = try await ServerProcess(database: db)
        let second = try await BerthBinary.run(["serve", "--db", db, "--listen", "127.0.0.1:0"], timeout: .seconds(20))
        #expect(second.status != 0)
        #expect(second.stderr.contains("in use by another process"), "stderr: \(second.stderr)")
        #expect(await first.stop() == 0)
    }

    @Test(.requires("sqlite3"))
    func restoreRefusesBrokenAndForeignFiles() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        let server = try await ServerProcess(database: db)
        _ = try await server.client.send("PUT", "/v1/nodes/n1", body: Data(Self.node.utf8))
        #expect(await server.stop() == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: db))

        let junk = folder.appendingPathComponent("junk.db").path
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 31) }).write(to: URL(fileURLWithPath: junk))
        let truncated = folder.appendingPathComponent("truncated.db").path
        try before.prefix(before.count / 2).write(to: URL(fileURLWithPath: truncated))
        let foreign = folder.appendingPathComponent("foreign.db").path
        let sqlite = try await ChildProcess.run(try Tools.require("sqlite3"), [foreign, "CREATE TABLE t(x); INSERT INTO t VALUES (1);"])
        #expect(sqlite.status == 0, "\(sqlite.output)")

        for (file, expected) in [(junk, "not"), (truncated, "berth restore: "), (foreign, "not a Berth"), (folder.appendingPathComponent("missing.db").path, "does not exist")] {
            let result = try await BerthBinary.run(["restore", "--from", file, "--db", db])
            #expect(result.status != 0, "restore of \(file) should fail")
            #expect(result.stderr.contains(expected), "stderr: \(result.stderr)")
            let after = try Data(contentsOf: URL(fileURLWithPath: db))
            #expect(after == before, "a refused restore changes nothing")
        }
    }
}
