import BerthCore
import Foundation
import GRDB
import Testing
@testable import BerthStore

/// Migration 0010: the services that ingress rules already stored name become policy sources
/// (`ingress_sources`), so an upgraded database lists their members as a fresh one would.
@Suite struct IngressSourcesMigrationTests {
    @Test func rulesStoredBeforeTheMigrationMakeTheirSources() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let queue = try DatabaseQueue(path: db.path)
        try SchemaMigrator.migrate(queue, upTo: "0009_endpoint_mode")
        try await queue.write { db in
            let rules = [
                "db": #"[{"from":[{"service":"api"},{"cidr":"198.18.0.0/24"}],"ports":[{"port":5432,"protocol":"tcp"}]},{"from":[{"service":"ops"},{"service":"api"}],"ports":[]}]"#,
                "api": #"[{"from":[{"cidr":"203.0.113.0/24"}],"ports":[]}]"#,
                "web": "[]",
            ]
            for (index, (name, ingress)) in rules.sorted(by: { $0.key < $1.key }).enumerated() {
                try db.execute(sql: """
                    INSERT INTO services (name, mode, replicas, template, placement, load_balancer, update_config, ingress, create_index, modify_index)
                    VALUES (?, 'replicated', 1, '{}', '{}', '{}', '{}', ?, ?, ?)
                    """, arguments: [name, ingress, index + 1, index + 1])
            }
        }
        try SchemaMigrator.migrate(queue)
        let rows = try await queue.read { db in
            try Row.fetchAll(db, sql: "SELECT source, service FROM ingress_sources ORDER BY source, service").map { "\($0[0] as String)→\($0[1] as String)" }
        }
        #expect(rows == ["api→db", "ops→db"], "each named service once per service naming it; CIDRs name none")
        try queue.close()
    }
}
