import BerthCore
import Testing
@testable import BerthStore

@Suite struct CASTests {
    @Test func casZeroCreatesOnlyIfAbsent() async throws {
        try await withStore { store, _ async throws in
            let created = try await store.registerNode("n1", cas: 0)
            #expect(created.createIndex == 2)
            let index = try await store.currentIndex()
            let events = try await store.eventRows()

            await #expect(throws: BerthError.casFailed(kind: .node, name: "n1", expected: 0, actual: created.modifyIndex)) {
                try await store.registerNode("n1", spec: Fixtures.nodeSpec(address: "10.0.0.2"), cas: 0)
            }
            #expect(try await store.node("n1")?.address == "10.0.0.1")
            #expect(try await store.currentIndex() == index)
            #expect(try await store.eventRows() == events)
        }
    }

    @Test func casMismatchChangesNothing() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1", spec: Fixtures.nodeSpec(labels: ["zone": "a"]))
            _ = try await store.registerNode("n2")
            let index = try await store.currentIndex()
            let events = try await store.eventRows()
            let stored = try await store.node("n1")

            for stale in [node.modifyIndex + 1, node.modifyIndex - 1, 999] {
                await #expect(throws: BerthError.casFailed(kind: .node, name: "n1", expected: stale, actual: node.modifyIndex)) {
                    try await store.registerNode("n1", spec: Fixtures.nodeSpec(labels: ["zone": "b"]), cas: stale)
                }
            }
            await #expect(throws: BerthError.casFailed(kind: .node, name: "n1", expected: 999, actual: node.modifyIndex)) {
                try await store.write { tx in try NodeRepository.delete(tx, name: "n1", cas: 999) }
            }
            #expect(try await store.node("n1") == stored)
            #expect(try await store.currentIndex() == index)
            #expect(try await store.eventRows() == events)
            #expect(try await store.leases(owner: "n1").count == 1)
        }
    }

    @Test func casMatchApplies() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1")
            let updated = try await store.registerNode("n1", spec: Fixtures.nodeSpec(labels: ["zone": "b"]), cas: node.modifyIndex)
            #expect(updated.labels == ["zone": "b"])
            #expect(updated.modifyIndex == node.modifyIndex + 1)
            #expect(updated.createIndex == node.createIndex)
            #expect(updated.subnet == node.subnet)

            let deleted = try await store.write { tx in try NodeRepository.delete(tx, name: "n1", cas: updated.modifyIndex) }
            #expect(deleted.name == "n1")
            #expect(try await store.node("n1") == nil)
        }
    }

    @Test func casOnAMissingObjectNamesNoActualIndex() async throws {
        try await withStore { store, _ async throws in
            let index = try await store.currentIndex()
            await #expect(throws: BerthError.casFailed(kind: .node, name: "ghost", expected: 5, actual: nil)) {
                try await store.registerNode("ghost", cas: 5)
            }
            #expect(try await store.node("ghost") == nil)
            #expect(try await store.currentIndex() == index)
            #expect(try await store.leases(owner: "ghost").isEmpty)
        }
    }

    @Test func serviceCASProtectsSpecAndVIP() async throws {
        try await withStore { store, _ async throws in
            let service = try await store.createService("web", cas: 0)
            let index = try await store.currentIndex()
            await #expect(throws: BerthError.casFailed(kind: .service, name: "web", expected: 0, actual: service.modifyIndex)) {
                try await store.createService("web", spec: Fixtures.serviceSpec(replicas: 5), cas: 0)
            }
            await #expect(throws: BerthError.casFailed(kind: .service, name: "web", expected: service.modifyIndex + 3, actual: service.modifyIndex)) {
                try await store.write { tx in try ServiceRepository.delete(tx, name: "web", cas: service.modifyIndex + 3) }
            }
            let stored = try await store.readDatabase { db in try ServiceRepository.fetch(db, "web") }.value
            #expect(stored?.spec.replicas == 1)
            #expect(stored?.vip == service.vip)
            #expect(try await store.currentIndex() == index)

            let scaled = try await store.createService("web", spec: Fixtures.serviceSpec(replicas: 5), cas: service.modifyIndex)
            #expect(scaled.spec.replicas == 5)
            #expect(scaled.vip == service.vip)
            #expect(scaled.modifyIndex == index + 1)
        }
    }
}
