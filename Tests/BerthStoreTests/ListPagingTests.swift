import BerthCore
import BerthHarness
import Foundation
import Testing
@testable import BerthStore

/// Lists page by keyset on a snapshot kept for their later pages: every page reflects the first
/// page's change index, whatever is written meanwhile; a token continues only its own list, and
/// one whose snapshot is gone is `expired`.
@Suite struct ListPagingTests {
    func nodes(_ store: Store, limit: Int, next: String? = nil, list: String = "nodes") async throws -> ListPage<Node> {
        try await store.list(ListRequest(list: list, limit: limit, next: next), cursor: StoreReader.cursor) { reader, after, limit in
            try reader.nodes(after: after, limit: limit)
        }
    }

    @Test func pagesCoverTheListOnceInOrder() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<25 { _ = try await store.registerNode(String(format: "n%02d", i)) }
            var names: [String] = []
            var next: String?
            var pages = 0
            repeat {
                let page = try await nodes(store, limit: 7, next: next)
                names += page.items.map(\.name)
                next = page.next
                pages += 1
            } while next != nil
            #expect(pages == 4)
            #expect(names == (0..<25).map { String(format: "n%02d", $0) })
            #expect(store.sessions.count == 0, "the last page ends the list's session")
        }
    }

    @Test func aListThatFitsOnePageNeedsNoSnapshot() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<3 { _ = try await store.registerNode("n\(i)") }
            let page = try await nodes(store, limit: 3)
            #expect(page.items.count == 3 && page.next == nil)
            #expect(store.sessions.count == 0)
        }
    }

    /// Writes between pages do not show: a node added, one deleted and one changed after the
    /// first page are seen as they were at its index.
    @Test func laterPagesShowTheFirstPagesIndex() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<10 { _ = try await store.registerNode("n\(i)") }
            let first = try await nodes(store, limit: 4)
            let index = first.index
            _ = try await store.registerNode("n99")
            _ = try await store.write { tx in try NodeRepository.delete(tx, name: "n8", cas: nil) }
            _ = try await store.registerNode("n7", spec: Fixtures.nodeSpec(address: "10.9.9.9"))
            #expect(try await store.currentIndex() > index)
            var all = first.items
            var next = first.next
            while let token = next {
                let page = try await nodes(store, limit: 4, next: token)
                #expect(page.index == index)
                all += page.items
                next = page.next
            }
            #expect(all.map(\.name) == (0..<10).map { "n\($0)" })
            #expect(all.first { $0.name == "n7" }?.address == "10.0.0.1", "n7 as it was at the first page's index")
            let fresh = try await nodes(store, limit: 100)
            #expect(fresh.items.count == 10 && fresh.items.contains { $0.name == "n99" } && !fresh.items.contains { $0.name == "n8" })
        }
    }

    @Test func aTokenContinuesOnlyItsOwnList() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<5 { _ = try await store.registerNode("n\(i)") }
            let first = try await nodes(store, limit: 2)
            let token = try #require(first.next)
            let other = await #expect(throws: BerthError.self) { try await nodes(store, limit: 2, next: token, list: "services") }
            #expect(other.map { "\($0)" }?.contains("next") == true)
            let garbage = await #expect(throws: BerthError.self) { try await nodes(store, limit: 2, next: "not-a-token!") }
            #expect(garbage.map { "\($0)" }?.contains("next") == true)
        }
    }

    @Test func aSnapshotUnusedForAMinuteExpires() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<5 { _ = try await store.registerNode("n\(i)") }
            let first = try await nodes(store, limit: 2)
            let token = try #require(first.next)
            store.manualClock.advance(by: .seconds(59))
            let second = try await nodes(store, limit: 2, next: token)
            let again = try #require(second.next)
            #expect(store.sessions.count == 1)
            store.manualClock.advance(by: .seconds(60))
            #expect(await eventually { store.sessions.count == 0 })
            await #expect(throws: BerthError.listExpired) { try await nodes(store, limit: 2, next: again) }
        }
    }

    @Test func theOldestSnapshotGivesWayWhenTooManyAreOpen() async throws {
        try await withStore { store, _ async throws in
            for i in 0..<3 { _ = try await store.registerNode("n\(i)") }
            var tokens: [String] = []
            for _ in 0..<(store.sessions.capacity + 1) {
                tokens.append(try #require(try await nodes(store, limit: 1).next))
                store.manualClock.advance(by: .milliseconds(1))
            }
            #expect(store.sessions.count == store.sessions.capacity)
            await #expect(throws: BerthError.listExpired) { try await nodes(store, limit: 1, next: tokens[0]) }
            #expect(try await nodes(store, limit: 1, next: tokens.last).items.map(\.name) == ["n1"])
        }
    }

    /// Containers page by (createIndex, id), filters kept on every page.
    @Test func containerPagesKeepTheirFilter() async throws {
        try await withStore { store, _ async throws in
            _ = try await store.createService("web", spec: Fixtures.serviceSpec(replicas: 0))
            let ids = try await store.write { tx in
                let service = try ServiceRepository.require(tx.db, "web")
                let template = try ContainerRepository.ReplicaTemplate(service: service, version: 1)
                return try (0..<9).map { _ in try ContainerRepository.createReplica(tx, template, pinnedNode: nil, attempt: 0, reason: nil) }
            }
            _ = try await store.write { tx in try ContainerRepository.create(tx, spec: Fixtures.containerSpec(name: "other")) }
            var seen: [String] = []
            var next: String?
            repeat {
                let page = try await store.list(ListRequest(list: "web", limit: 4, next: next), cursor: \.cursor) { reader, after, limit in
                    try reader.containerDocuments(ContainerFilter(service: "web"), after: after, limit: limit)
                }
                seen += page.items.map(\.id)
                next = page.next
            } while next != nil
            #expect(seen.sorted() == ids.sorted())
        }
    }
}
