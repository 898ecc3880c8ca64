import BerthCore
import Testing
@testable import BerthStore

@Suite struct NodeDeleteTests {
    /// Creates a standalone container and places it on `node` as the scheduler would.
    func placedContainer(_ store: Store, on node: String, state: ContainerState = .running, name: String? = nil) async throws -> Container {
        let created = try await store.write { tx in try ContainerRepository.create(tx, spec: Fixtures.containerSpec(name: name)) }
        #expect(created.state == .pending)
        #expect(created.node == nil)
        return try await store.write { tx in
            var container = try ContainerRepository.require(tx.db, created.id)
            let subnet = try #require(try NodeRepository.require(tx.db, node).subnet)
            container.ip = try LeaseRepository.leaseContainerIP(tx, container: container.id, node: node, subnet: subnet)
            container.node = node
            container.state = state
            container.reason = nil
            return try ContainerRepository.update(tx, container)
        }
    }

    @Test func deletingANodeMarksItsContainersLostAndReleasesLeases() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.registerNode("n1")
            _ = try await store.registerNode("n2")
            let a = try await placedContainer(store, on: "n1", name: "a")
            let b = try await placedContainer(store, on: "n1", state: .starting)
            let done = try await placedContainer(store, on: "n1", state: .exited)
            let elsewhere = try await placedContainer(store, on: "n2")
            #expect(a.ip == "10.88.0.2")
            #expect(b.ip == "10.88.0.3")
            #expect(elsewhere.ip == "10.88.1.2")
            #expect(done.ip == nil, "a terminal container gives its address back at once")
            #expect(try await store.node("n1")?.allocated == Resources(cpu: 200, memory: 128))

            let before = try await store.currentIndex()
            let deleted = try await store.write { tx in try NodeRepository.delete(tx, name: "n1") }
            let index = try await store.currentIndex()
            #expect(deleted.name == "n1")
            #expect(index == before + 1)

            let containers = try await store.readDatabase { db in try ContainerRepository.list(db) }.value
            let byID = Dictionary(uniqueKeysWithValues: containers.map { ($0.id, $0) })
            for id in [a.id, b.id] {
                let lost = try #require(byID[id])
                #expect(lost.state == .lost)
                #expect(lost.node == nil)
                #expect(lost.ip == nil)
                #expect(lost.reason == "node n1 was removed")
                #expect(lost.modifyIndex == index)
            }
            // An exited container stays exited, but no longer points at the node.
            #expect(byID[done.id]?.state == .exited)
            #expect(byID[done.id]?.node == nil)
            // Containers elsewhere are untouched.
            #expect(byID[elsewhere.id] == elsewhere)

            #expect(try await store.node("n1") == nil)
            let leases = try await store.leases()
            #expect(!leases.contains { $0.node == "n1" || $0.owner == "n1" || $0.owner == a.id || $0.owner == b.id })
            #expect(Set(leases.map(\.owner)) == ["n2", elsewhere.id])

            // One index records it all: the lost containers, the released leases, the node.
            let events = try await store.eventRows().filter { $0.index == index }
            #expect(events.filter { $0.kind == "container" }.map(\.name).sorted() == [a.id, b.id, done.id].sorted())
            #expect(events.filter { $0.kind == "lease" && $0.op == "deleted" }.count == 3)
            #expect(events.last?.kind == "node")
            #expect(events.last?.op == "deleted")
        }
    }

    @Test func deletingAMissingNodeIsNotFound() async throws {
        try await withStore { store, _ async throws in
            let index = try await store.currentIndex()
            await #expect(throws: BerthError.notFound(kind: .node, name: "ghost")) {
                try await store.write { tx in try NodeRepository.delete(tx, name: "ghost") }
            }
            #expect(try await store.currentIndex() == index)
        }
    }

    @Test func containerNamesAreUnique() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.write { tx in try ContainerRepository.create(tx, spec: Fixtures.containerSpec(name: "cache")) }
            let index = try await store.currentIndex()
            let error = await #expect(throws: BerthError.self) {
                try await store.write { tx in try ContainerRepository.create(tx, spec: Fixtures.containerSpec(name: "cache")) }
            }
            #expect(error?.code == "conflict")
            #expect(try await store.currentIndex() == index)
            #expect(try await store.rowCount("containers") == 1)
        }
    }
}
