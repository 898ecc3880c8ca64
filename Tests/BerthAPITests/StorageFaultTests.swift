import BerthClient
import BerthStore
import Foundation
import GRDB
import Testing

/// A disk that fills up or a database that turns read-only: writes fail with 503 and a clear
/// message, reads and watches go on, and nothing is half-written.
@Suite struct StorageFaultTests {
    /// Shrinks the writer's page budget to what the file already has, as a full disk would.
    func fillDisk(_ store: Store) async throws {
        try await store.write { tx in
            let pages = try Int.fetchOne(tx.db, sql: "PRAGMA page_count") ?? 1
            try tx.db.execute(sql: "PRAGMA max_page_count = \(pages)")
        }
    }

    @Test func aFullDiskRefusesWritesWith503AndKeepsReadsAndWatches() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let first = try await c.put("/v1/nodes/n1", nodeBody)
            try await fillDisk(server.store)
            // Big labels make each write need new pages.
            var refused: BerthClient.Reply?
            for i in 0..<200 {
                let labels = (0..<60).map { #""k\#($0)":"\#(String(repeating: "v", count: 60))""# }.joined(separator: ",")
                let reply = try await c.put("/v1/nodes/big\(i)", #"{"address":"10.0.0.1","labels":{\#(labels)},"capacity":{"cpu":1000,"memory":1024}}"#)
                if reply.status != 201 { refused = reply; break }
            }
            let failure = try #require(refused, "the disk never filled")
            #expect(failure.status == 503)
            #expect(errorCode(failure) == "unavailable")
            #expect(errorMessage(failure).contains("disk is full"))

            let nodes = try await c.get("/v1/nodes")
            #expect(nodes.status == 200, "reads keep working")
            let names = ((json(nodes)["items"] as? [[String: Any]]) ?? []).compactMap { $0["name"] as? String }
            let created = names.filter { $0.hasPrefix("big") }.count
            #expect(try await c.get("/v1/nodes/big\(created)").status == 404, "the refused write left nothing behind")
            let leases = try await c.get("/v1/leases?owner=big\(created)")
            #expect((json(leases)["items"] as? [Any])?.isEmpty == true, "not even its subnet lease")
            let watch = try await c.get("/v1/nodes/n1?index=\(first.index!)&wait=100ms")
            #expect(watch.status == 200, "watches keep working")

            try await server.store.write { tx in try tx.db.execute(sql: "PRAGMA max_page_count = 1073741823") }
            #expect(try await c.put("/v1/nodes/after", nodeBody).status == 201, "writes resume once there is room")
            let report = try await server.store.readDatabase { db in try ClusterCheck.check(db) }.value
            #expect(report.isHealthy, "\(report.problems)")
        }
    }

    @Test func aReadOnlyDatabaseRefusesWritesWith503() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            try await server.store.write { tx in try tx.db.execute(sql: "PRAGMA query_only = 1") }
            let refused = try await c.put("/v1/nodes/n2", nodeBody)
            #expect(refused.status == 503)
            #expect(errorMessage(refused).contains("read-only"))
            #expect(try await c.get("/v1/nodes/n1").status == 200)
            #expect(try await c.get("/v1/nodes/n2").status == 404)
        }
    }
}
