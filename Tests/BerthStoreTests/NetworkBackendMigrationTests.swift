import BerthCore
import Foundation
import GRDB
import Testing
@testable import BerthStore

/// Migration 0006: networks gain a backend and a VNI, nodes a VTEP MAC; a database made before
/// it is upgraded in place, and the schema refuses what the API refuses.
@Suite struct NetworkBackendMigrationTests {
    /// A database at schema 0005 with the built-in networks, two user networks and a node.
    static func before0006(_ path: String) throws -> DatabaseQueue {
        let queue = try DatabaseQueue(path: path)
        try SchemaMigrator.migrate(queue, upTo: "0005_one_json_rendering")
        try queue.write { db in
            for (name, subnet, purpose) in [
                ("default", "10.88.0.0/16", "containers"), ("services", "10.96.0.0/16", "services"),
                ("zeta", "172.20.0.0/16", "containers"), ("alpha", "172.21.0.0/16", "containers"),
            ] {
                try db.execute(sql: """
                    INSERT INTO networks (name, subnet, node_prefix, purpose, create_index, modify_index) VALUES (?, ?, 24, ?, 1, 1)
                    """, arguments: [name, subnet, purpose])
            }
            try db.execute(sql: """
                INSERT INTO nodes (name, address, labels, cpu, memory, availability, status, subnet, last_heartbeat, create_index, modify_index)
                VALUES ('n1', '192.0.2.10', '{}', 1000, 1024, 'active', 'ready', '10.88.0.0/24', 0, 2, 2)
                """)
            try db.execute(sql: "UPDATE cluster_index SET current = 2")
        }
        return queue
    }

    @Test func anOlderDatabaseIsUpgradedWithDistinctVNIs() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let queue = try Self.before0006(db.path)
        try SchemaMigrator.migrate(queue)
        let rows = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT name, backend, vni FROM networks ORDER BY name").map { "\($0[0] as String) \($0[1] as String) \($0[2] as Int)" }
        }
        #expect(rows == ["alpha vxlan 2", "default vxlan 1", "services vxlan 1", "zeta vxlan 3"])
        try queue.close()

        let store = try Store(path: db.path)
        let node = try #require(try await store.node("n1"))
        #expect(node.vtepMAC == nil, "never reported")
        #expect(node.address == "192.0.2.10")
        let network = try await store.readDatabase { db in try NetworkRepository.fetch(db, "zeta") }.value
        #expect(network?.backend == .vxlan)
        #expect(network?.vni == 3)
        let reported = try await store.registerNode("n1", spec: NodeSpec(address: "192.0.2.10", capacity: Resources(cpu: 1000, memory: 1024), vtepMAC: "02:00:00:00:00:01"))
        #expect(reported.vtepMAC == "02:00:00:00:00:01")
        #expect(try await store.node("n1") == reported, "read back by position as written")
        try store.close()
    }

    @Test(arguments: [
        "UPDATE nodes SET vtep_mac = '01:00:5e:00:00:01'", "UPDATE nodes SET vtep_mac = '02:42:AC:11:00:02'",
        "UPDATE nodes SET vtep_mac = '00:00:00:00:00:00'", "UPDATE nodes SET vtep_mac = '02:42:ac:11:00'",
        "UPDATE nodes SET vtep_mac = '02-42-ac-11-00-02'", "UPDATE networks SET backend = 'ipip' WHERE name = 'zeta'",
        "UPDATE networks SET vni = 0 WHERE name = 'zeta'", "UPDATE networks SET vni = 16777216 WHERE name = 'zeta'",
        "UPDATE networks SET vni = 1 WHERE name = 'zeta'",
    ])
    func theSchemaRefusesWhatTheAPIRefuses(_ sql: String) async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let queue = try Self.before0006(db.path)
        defer { try? queue.close() }
        try SchemaMigrator.migrate(queue)
        let error = await #expect(throws: DatabaseError.self) { try await queue.write { db in try db.execute(sql: sql) } }
        #expect(error?.resultCode == .SQLITE_CONSTRAINT)
        // What it does allow: a unicast MAC, host-gw, a shared VNI once a network no longer tunnels.
        try await queue.write { db in
            try db.execute(sql: "UPDATE nodes SET vtep_mac = '0e:42:ac:11:00:02'")
            try db.execute(sql: "UPDATE networks SET backend = 'host-gw' WHERE name = 'zeta'")
            try db.execute(sql: "UPDATE networks SET vni = 1 WHERE name = 'zeta'")
        }
    }
}
