import BerthCore
import Foundation
import GRDB
import Testing
@testable import BerthStore

@Suite struct ChangeLogTests {
    func fetchPage(_ store: Store, after: UInt64, limit: Int = 1000, kind: ObjectKind? = nil) async throws -> ChangeLog.Page {
        try await store.readDatabase { db in try ChangeLog.page(db, after: after, limit: limit, kind: kind) }.value
    }

    /// Index 1: two networks; 2–4: a node and its lease each; 5: a service and its VIP lease;
    /// 6: three nodes (six events) in one write; 7: node n2 deleted (its lease and node events).
    func populate(_ store: Store) async throws {
        for name in ["n1", "n2", "n3"] { _ = try await store.registerNode(name) }
        _ = try await store.createService("web")
        _ = try await store.write { tx in
            try ["m1", "m2", "m3"].map { try NodeRepository.put(tx, name: $0, spec: Fixtures.nodeSpec()).0 }
        }
        _ = try await store.write { tx in try NodeRepository.delete(tx, name: "n2") }
    }

    @Test func fullPageHasEveryEventInOrder() async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let rows = try await store.eventRows()
            let page = try await fetchPage(store, after: 0)
            #expect(page.next == 7)
            #expect(page.events.count == rows.count)
            #expect(page.events.map(\.index) == rows.map(\.index))
            #expect(page.events.map(\.name) == rows.map(\.name))
            #expect(page.events.map(\.kind.rawValue) == rows.map(\.kind))
            #expect(page.events.map(\.op.rawValue) == rows.map(\.op))
            // Each write's events, in index order: the service write may log its targets too.
            let kinds = Dictionary(grouping: page.events, by: \.index).mapValues { $0.map(\.kind).sorted { $0.rawValue < $1.rawValue } }
            #expect(page.events.map(\.index) == page.events.map(\.index).sorted())
            #expect(kinds[1] == [.network, .network])
            for index: UInt64 in [2, 3, 4, 7] { #expect(kinds[index] == [.lease, .node]) }
            #expect(Set(kinds[5] ?? []).isSuperset(of: [.lease, .service]))
            #expect(kinds[5]?.filter { $0 == .service }.count == 1)
            #expect(kinds[6] == [.lease, .lease, .lease, .node, .node, .node])
            #expect(kinds.count == 7)
        }
    }

    @Test func afterSkipsOlderIndexes() async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let page = try await fetchPage(store, after: 5)
            #expect(page.events.map(\.index) == [6, 6, 6, 6, 6, 6, 7, 7])
            #expect(page.next == 7)

            let empty = try await fetchPage(store, after: 7)
            #expect(empty.events.isEmpty)
            #expect(empty.next == 7)
        }
    }

    @Test func deleteEventCarriesTheObjectBeforeTheDelete() async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let page = try await fetchPage(store, after: 6, kind: .node)
            let event = try #require(page.events.first)
            #expect(page.events.count == 1)
            #expect(event.name == "n2")
            #expect(event.op == .deleted)
            let object = try JSONDecoder().decode(NodeJSON.self, from: Data(event.object.utf8))
            #expect(object.name == "n2")
            #expect(object.subnet == "10.88.1.0/24")
        }
    }

    @Test func kindFilterKeepsNextAtTheReadIndex() async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let services = try await fetchPage(store, after: 0, kind: .service)
            #expect(services.events.map(\.name) == ["web"])
            #expect(services.events.map(\.index) == [5])
            // Nothing of the kind happened after 5 up to 7, so resuming from 7 misses nothing.
            #expect(services.next == 7)

            let leases = try await fetchPage(store, after: 0, kind: .lease)
            #expect(leases.events.allSatisfy { $0.kind == .lease })
            #expect(leases.events.count == 8)
            #expect(leases.events.last?.op == .deleted)
        }
    }

    @Test func limitNeverSplitsAnIndex() async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let first = try await fetchPage(store, after: 0, limit: 3)
            // Index 2 is completed rather than cut after its first event.
            #expect(first.events.map(\.index) == [1, 1, 2, 2])
            #expect(first.next == 2)

            let big = try await fetchPage(store, after: 5, limit: 2)
            #expect(big.events.map(\.index) == [6, 6, 6, 6, 6, 6])
            #expect(big.next == 6)

            let kinded = try await fetchPage(store, after: 5, limit: 1, kind: .node)
            #expect(kinded.events.map(\.name) == ["m1", "m2", "m3"])
            #expect(kinded.next == 6)
        }
    }

    @Test(arguments: [1, 2, 3, 5, 100])
    func pagingThroughTheLogYieldsEveryEventOnce(limit: Int) async throws {
        try await withStore { store, _ async throws in
            try await populate(store)
            let all = try await fetchPage(store, after: 0).events
            var collected: [ChangeEvent] = []
            var after: UInt64 = 0
            var pages = 0
            while true {
                let page = try await fetchPage(store, after: after, limit: limit)
                pages += 1
                if page.events.isEmpty {
                    #expect(page.next == after)
                    break
                }
                #expect(page.next > after)
                #expect(page.events.allSatisfy { $0.index > after && $0.index <= page.next })
                // An index on this page is not on any earlier one.
                if let last = collected.last { #expect(page.events.first!.index > last.index) }
                #expect(page.events.count >= min(limit, all.count - collected.count))
                collected += page.events
                after = page.next
                if pages > 50 { Issue.record("paging did not end"); break }
            }
            #expect(collected == all)
            #expect(after == 7)
        }
    }

    @Test func compactionDropsOldEventsAndRefusesToResumeBeforeThem() async throws {
        var options = StoreOptions()
        options.eventRetention = 10
        try await withStore(options: options) { store, _ async throws in
            for i in 0..<30 { _ = try await store.registerNode("n\(i)") }
            let current = try await store.currentIndex()
            #expect(current == 31)
            let through = try await store.compactedThrough()
            #expect(through == current - 10)

            let rows = try await store.eventRows()
            #expect(rows.first?.index == through + 1)
            #expect(rows.allSatisfy { $0.index > through })
            #expect(Set(rows.map(\.index)).count == 10)

            for stale in [0, 1, through - 1] {
                await #expect(throws: BerthError.compacted(after: stale, compactedThrough: through)) {
                    try await fetchPage(store, after: stale)
                }
                await #expect(throws: BerthError.compacted(after: stale, compactedThrough: through)) {
                    try await fetchPage(store, after: stale, kind: .service)
                }
            }

            // Resuming exactly at the compaction point still works and misses nothing kept.
            let resumed = try await fetchPage(store, after: through)
            #expect(resumed.events.count == 20)
            #expect(resumed.events.first?.index == through + 1)
            #expect(resumed.next == current)

            // The rows themselves are untouched by compaction.
            #expect(try await store.rowCount("nodes") == 30)
        }
    }

    @Test func compactionRunsInChunks() async throws {
        var options = StoreOptions()
        options.eventRetention = 20
        try await withStore(options: options) { store, _ async throws in
            for i in 0..<20 { _ = try await store.registerNode("n\(i)") }
            // Index 21: one past the window, but a chunk is a tenth of it (2 indexes).
            #expect(try await store.compactedThrough() == 0)
            _ = try await store.registerNode("n20")
            #expect(try await store.compactedThrough() == 2)
            _ = try await store.registerNode("n21")
            #expect(try await store.compactedThrough() == 2)
            _ = try await store.registerNode("n22")
            #expect(try await store.compactedThrough() == 4)
        }
    }
}
