import BerthCore
import BerthTesting
import Foundation
import GRDB
import Testing
@testable import BerthStore

/// A template's `securityContext` lives in the template's stored JSON: no schema change, and
/// a backup (a page copy of the database) carries it as it is.
@Suite struct SecurityContextStorageTests {
    @Test func aServicesSecurityContextIsStoredAndKeptByABackup() async throws {
        try await withStore { store, db async throws in
            let context = SecurityContext(capAdd: ["NET_ADMIN"], capDrop: ["ALL"], readOnlyRootFilesystem: true, runAsUser: 1000, seccomp: .unconfined)
            var spec = Fixtures.serviceSpec()
            spec.template.securityContext = context
            let created = try await store.createService("hardened", spec: spec)
            #expect(created.spec.template.securityContext == context)

            let backup = db.file("backup.db")
            _ = try await store.snapshot(to: backup)
            let copy = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
            let stored = try await copy.read { db in try String.fetchOne(db, sql: "SELECT template FROM services WHERE name = 'hardened'") }
            try copy.close()
            let template = try JSONDecoder().decode(ContainerTemplate.self, from: Data(try #require(stored).utf8))
            #expect(template.securityContext == context)
        }
    }
}
