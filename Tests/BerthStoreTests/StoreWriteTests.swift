import BerthCore
import Foundation
import GRDB
import Testing
@testable import BerthStore

/// The change index and the event log move with the rows, in the same transaction.
@Suite struct StoreWriteTests {
    @Test func builtInNetworksTakeOneIndex() async throws {
        try await withStore { store, _ async throws in
            #expect(try await store.currentIndex() == 1)
            let events = try await store.eventRows()
            #expect(events.map(\.index) == [1, 1])
            #expect(Set(events.map(\.name)) == [Network.defaultName, Network.servicesName])
            #expect(events.allSatisfy { $0.kind == "network" && $0.op == "created" })
        }
    }

    @Test func aWriteBumpsTheIndexByOneAndLogsItsEventsAtIt() async throws {
        try await withStore { store, _ async throws in
            let before = try await store.currentIndex()
            let eventsBefore = try await store.eventRows()

            let node = try await store.registerNode("n1")

            #expect(node.createIndex == before + 1)
            #expect(node.modifyIndex == before + 1)
            #expect(try await store.currentIndex() == before + 1)
            #expect(store.hub.current == before + 1)
            let events = try await store.eventRows()
            #expect(Array(events.prefix(eventsBefore.count)) == eventsBefore)
            let added = events.dropFirst(eventsBefore.count)
            #expect(added.map(\.index) == [before + 1, before + 1])
            #expect(added.map(\.kind) == ["lease", "node"])
            #expect(added.map(\.name) == ["default/10.88.0.0/24", "n1"])
            #expect(added.allSatisfy { $0.op == "created" })

            // The event carries the object as it was stored.
            let page = try await store.readDatabase { db in try ChangeLog.page(db, after: before, limit: 10, kind: .node) }.value
            let object = try JSONDecoder().decode(NodeJSON.self, from: Data(try #require(page.events.first).object.utf8))
            #expect(object.name == "n1")
            #expect(object.modifyIndex == before + 1)
            #expect(object.subnet == "10.88.0.0/24")
        }
    }

    @Test func severalObjectsInOneWriteShareItsIndex() async throws {
        try await withStore { store, _ async throws in
            let before = try await store.currentIndex()
            let indexes = try await store.write { tx in
                try (1...3).map { try NodeRepository.put(tx, name: "n\($0)", spec: Fixtures.nodeSpec()).0.modifyIndex }
            }
            #expect(indexes == [before + 1, before + 1, before + 1])
            #expect(try await store.currentIndex() == before + 1)
            let added = try await store.eventRows().filter { $0.index > before }
            #expect(added.count == 6)
            #expect(added.allSatisfy { $0.index == before + 1 })
        }
    }

    @Test func aWriteThatChangesNothingTakesNoIndex() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1")
            let index = try await store.currentIndex()
            let events = try await store.eventRows()

            let (again, created) = try await store.write { tx in
                let (node, created) = try NodeRepository.put(tx, name: "n1", spec: Fixtures.nodeSpec())
                return (node.modifyIndex, created)
            }
            #expect(again == node.modifyIndex)
            #expect(!created)
            let resultIndex = try await store.write { tx in tx.resultIndex }
            #expect(resultIndex == index)
            #expect(try await store.currentIndex() == index)
            #expect(try await store.eventRows() == events)
        }
    }

    @Test func aWriteThatThrowsLeavesNoTrace() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.registerNode("n1")
            let index = try await store.currentIndex()
            let events = try await store.eventRows()
            let leases = try await store.leases()

            await #expect(throws: Boom.self) {
                try await store.write { tx in
                    _ = try NodeRepository.put(tx, name: "n2", spec: Fixtures.nodeSpec())
                    _ = try NodeRepository.heartbeat(tx, name: "n1")
                    throw Boom()
                }
            }

            #expect(try await store.currentIndex() == index)
            #expect(store.hub.current == index)
            #expect(try await store.eventRows() == events)
            #expect(try await store.leases() == leases)
            #expect(try await store.node("n2") == nil)
            #expect(try await store.node("n1")?.modifyIndex == index)

            // The index the failed write took is handed to the next write.
            let next = try await store.registerNode("n3")
            #expect(next.modifyIndex == index + 1)
            #expect(next.subnet == "10.88.1.0/24")
        }
    }

    @Test func aRejectedWriteLeavesNoTrace() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1")
            let index = try await store.currentIndex()
            let events = try await store.eventRows()

            await #expect(throws: BerthError.self) {
                try await store.registerNode("n1", spec: Fixtures.nodeSpec(address: "10.0.0.9"), cas: node.modifyIndex + 1)
            }
            await #expect(throws: BerthError.invalidArgument(field: "capacity.cpu", message: "must be between 1 and 1000000, got 0")) {
                try await store.registerNode("n2", spec: Fixtures.nodeSpec(cpu: 0))
            }
            #expect(try await store.currentIndex() == index)
            #expect(try await store.eventRows() == events)
            #expect(try await store.node("n1")?.address == "10.0.0.1")
            #expect(try await store.node("n2") == nil)
        }
    }

    @Test func concurrentWritesCommitWithDistinctConsecutiveIndexesWhileFailuresLeaveNoTrace() async throws {
        try await withStore { store, _ async throws in
            let before = try await store.currentIndex()
            let eventsBefore = try await store.eventRows()

            let outcomes = await withTaskGroup(of: (Int, Result<UInt64, any Error>).self) { group in
                for i in 0..<50 {
                    group.addTask {
                        do {
                            let index = try await store.write { tx in
                                let node = try NodeRepository.put(tx, name: "n\(i)", spec: Fixtures.nodeSpec()).0
                                if i % 5 == 0 { throw Boom() }
                                if i % 5 == 1 {
                                    // A failure the store detects: cas=0 on the node just written.
                                    _ = try NodeRepository.put(tx, name: "n\(i)", spec: Fixtures.nodeSpec(address: "10.0.0.2"), cas: 0)
                                }
                                return node.modifyIndex
                            }
                            return (i, .success(index))
                        } catch {
                            return (i, .failure(error))
                        }
                    }
                }
                var all: [Int: Result<UInt64, any Error>] = [:]
                for await (i, result) in group { all[i] = result }
                return all
            }

            var committed: [Int: UInt64] = [:]
            for (i, outcome) in outcomes {
                switch outcome {
                case .success(let index):
                    #expect(i % 5 >= 2, "write \(i) should have failed")
                    committed[i] = index
                case .failure(let error):
                    #expect(i % 5 < 2, "write \(i) failed: \(error)")
                    if i % 5 == 0 { #expect(error is Boom) }
                    if i % 5 == 1 { #expect((error as? BerthError)?.code == "cas_failed") }
                }
            }
            #expect(outcomes.count == 50)
            #expect(committed.count == 30)
            #expect(committed.values.sorted() == Array(before + 1...before + 30))
            #expect(try await store.currentIndex() == before + 30)
            #expect(store.hub.current == before + 30)

            let nodes = try await store.readDatabase { db in try NodeRepository.list(db) }.value
            #expect(Set(nodes.map(\.name)) == Set(committed.keys.map { "n\($0)" }))
            for node in nodes {
                let i = Int(node.name.dropFirst())!
                #expect(node.modifyIndex == committed[i])
            }
            #expect(Set(nodes.compactMap(\.subnet)).count == 30)

            let events = try await store.eventRows()
            #expect(Array(events.prefix(eventsBefore.count)) == eventsBefore)
            let added = events.dropFirst(eventsBefore.count)
            #expect(added.count == 60)
            // The log is in index order and each index holds exactly its write's node and lease.
            #expect(added.map(\.index) == added.map(\.index).sorted())
            for (i, index) in committed {
                let atIndex = added.filter { $0.index == index }
                #expect(atIndex.map(\.kind).sorted() == ["lease", "node"])
                #expect(atIndex.contains { $0.kind == "node" && $0.name == "n\(i)" })
            }
            #expect(try await store.rowCount("leases") == 30)
        }
    }

    @Test func readsSeeTheIndexTheirSnapshotReflects() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.registerNode("n1")
            let snapshot = try await store.readDatabase { db in try NodeRepository.list(db).count }
            #expect(snapshot.value == 1)
            #expect(snapshot.index == 2)
        }
    }

    @Test func closedStoreRefusesWrites() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let store = try await db.open()
        try store.close()
        await #expect(throws: (any Error).self) { try await store.registerNode("n1") }
    }
}

/// The fields of a node event's object these tests look at.
struct NodeJSON: Decodable {
    var name: String
    var subnet: String?
    var modifyIndex: UInt64
}
