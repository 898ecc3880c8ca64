import BerthCore
import BerthHarness
import Foundation
import GRDB
import Testing
@testable import BerthStore

/// One JSON rendering per container: the API's read of one container, a page of a list, the
/// event the write logged, the value's own `jsonText`, `JSONEncoder` on the value, and the same
/// reads from a backup of the database are byte for byte the same.
@Suite struct ContainerDocumentTests {
    /// Stores `container` as a write would: its row, its standalone rules, its event.
    static func store(_ container: Container, in tx: WriteTransaction) throws {
        var container = container
        container.modifyIndex = tx.index
        container.createIndex = min(container.createIndex, tx.index)
        try ContainerRecord(container).insert(tx.db)
        try ConstraintRepository.replace(tx.db, owner: .container, name: container.id, hard: container.constraints, soft: container.preferences)
        try ContainerRepository.recordEvent(tx, container.id, .created)
    }

    static func encoded(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    @Test(arguments: [UInt64(3), 11, 20261130])
    func everyPathRendersTheSameBytes(seed: UInt64) async throws {
        try await withStore { store, db async throws in
            for n in 0..<10 {
                _ = try await store.registerNode("n\(n)", spec: Fixtures.nodeSpec(address: "10.0.0.\(n + 1)", cpu: 1_000_000, memory: 16_777_216))
            }
            var random = RandomContainers(SplitMix64(seed: seed))
            let containers = (0..<120).map { i in random.container(nodes: 10, name: "c\(i)") }
            try await store.write { tx in
                for container in containers { try Self.store(container, in: tx) }
            }
            let ids = containers.map(\.id)
            let (documents, listed, events, values) = try await store.readDatabase { db in
                let reader = StoreReader(db)
                var documents: [String: String] = [:]
                for id in ids { documents[id] = try reader.containerDocument(id)?.json }
                let listed = Dictionary(uniqueKeysWithValues: try reader.containerDocuments(ContainerFilter(), after: nil, limit: 5000).map { ($0.id, $0.json) })
                let events = Dictionary(try Row.fetchAll(db, sql: "SELECT name, object FROM events WHERE kind = 'container'").map {
                    ($0["name"] as String, $0["object"] as String)
                }, uniquingKeysWith: { _, last in last })
                var values: [String: Container] = [:]
                for id in ids { values[id] = try ContainerRepository.fetch(db, id) }
                return (documents, listed, events, values)
            }.value
            let backup = db.file("backup.db")
            _ = try await store.snapshot(to: backup)
            let restored = try Store(path: backup, clock: ManualClock())
            defer { try? restored.close() }
            let fromBackup = try await restored.read { reader in
                try ids.map { try reader.containerDocument($0)?.json }
            }.value
            for (i, id) in ids.enumerated() {
                let document = try #require(documents[id], "seed \(seed): \(id) was not read back")
                let value = try #require(values[id])
                #expect(listed[id] == document, "seed \(seed): a list page renders \(id) otherwise")
                #expect(events[id] == document, "seed \(seed): the event feed renders \(id) otherwise")
                #expect(value.jsonText == document, "seed \(seed): Container.jsonText renders \(id) otherwise")
                #expect(try Self.encoded(value) == document, "seed \(seed): JSONEncoder renders \(id) otherwise")
                #expect(fromBackup[i] == document, "seed \(seed): the backup renders \(id) otherwise")
            }
        }
    }

    /// A container placed by the scheduler's set-based commit logs the same JSON the API reads,
    /// and so does its lease.
    @Test func bulkPlacementsLogWhatTheAPIReads() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.registerNode("n1")
            _ = try await store.createService("web", spec: Fixtures.serviceSpec(replicas: 3))
            let ids = try await store.write { tx in
                let service = try ServiceRepository.require(tx.db, "web")
                let template = try ContainerRepository.ReplicaTemplate(service: service, version: 1)
                return try (0..<3).map { _ in try ContainerRepository.createReplica(tx, template, pinnedNode: nil, attempt: 0, reason: nil) }
            }
            let assignments = ids.map { SchedulePlan.Assignment(container: $0, node: "n1") }
            _ = try await store.write { tx in try PendingPlacements.apply(tx, assignments, addresses: AddressBook()) }
            let (documents, events, leases, leaseEvents) = try await store.readDatabase { db in
                let reader = StoreReader(db)
                let documents = try ids.map { try reader.containerDocument($0)?.json }
                let events = try ids.map { id in
                    try String.fetchOne(db, sql: "SELECT object FROM events WHERE kind = 'container' AND name = ? ORDER BY seq DESC LIMIT 1", arguments: [id])
                }
                let leases = try reader.leases(LeaseFilter(network: "default", node: "n1"), after: nil, limit: 100).filter { $0.ownerKind == .container }
                let leaseEvents = try leases.map { lease in
                    try String.fetchOne(db, sql: "SELECT object FROM events WHERE kind = 'lease' AND name = ? ORDER BY seq DESC LIMIT 1", arguments: [lease.eventName])
                }
                return (documents, events, leases, leaseEvents)
            }.value
            #expect(documents == events)
            #expect(documents.allSatisfy { $0?.contains(#""state":"scheduled""#) == true })
            #expect(leases.count == 3)
            #expect(leases.map(\.jsonText) == leaseEvents.map { $0 ?? "" })
            #expect(try leases.map { try Self.encoded($0) } == leases.map(\.jsonText))
        }
    }
}
