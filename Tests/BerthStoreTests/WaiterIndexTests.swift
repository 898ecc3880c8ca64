import BerthCore
import Testing
@testable import BerthStore

/// The waiter index alone: which waiters a publish answers, with no hub, lock or clock.
@Suite struct WaiterIndexTests {
    typealias Index = WaiterIndex<String>

    func waiter(_ payload: String, after: UInt64, _ filter: WatchFilter, isInternal: Bool = false) -> Index.Waiter {
        .init(after: after, filter: filter, isInternal: isInternal, payload: payload)
    }

    @Test func aPublishAnswersTheWaitersOfItsObjectsKindsAndNodes() {
        var index = Index(current: 10)
        index.insert(1, waiter("n1", after: 10, .object(.node, "n1")))
        index.insert(2, waiter("n2", after: 10, .object(.node, "n2")))
        index.insert(3, waiter("nodes", after: 10, .kind(.node)))
        index.insert(4, waiter("services", after: 10, .kind(.service)))
        index.insert(5, waiter("agent-a", after: 10, .containers(onNode: "a")))
        index.insert(6, waiter("agent-b", after: 10, .containers(onNode: "b")))
        let woken = index.publish(index: 11, changes: [ObjectKey(.node, "n1"), ObjectKey(.container, "c1")], containerNodes: ["a"]) ?? []
        #expect(Set(woken.map(\.waiter.payload)) == ["n1", "nodes", "agent-a"])
        #expect(index.count == 3)
        #expect(index.current == 11)
    }

    @Test func aStaleOrRepeatedIndexAnswersNobody() {
        var index = Index(current: 10)
        index.insert(1, waiter("nodes", after: 10, .kind(.node)))
        #expect(index.publish(index: 10, changes: [ObjectKey(.node, "n1")], containerNodes: []) == nil)
        #expect(index.publish(index: 9, changes: [ObjectKey(.node, "n1")], containerNodes: []) == nil)
        #expect(index.count == 1 && index.current == 10)
    }

    @Test func aWaiterAheadOfThePublishStaysParked() {
        var index = Index(current: 10)
        // A waiter told to wait after 12 (it has seen 12 elsewhere) is not answered by 11.
        index.insert(1, waiter("ahead", after: 12, .kind(.node)))
        #expect(index.publish(index: 11, changes: [ObjectKey(.node, "n1")], containerNodes: [])?.isEmpty == true)
        #expect(index.publish(index: 13, changes: [ObjectKey(.node, "n1")], containerNodes: [])?.map(\.waiter.payload) == ["ahead"])
    }

    @Test func waitsBehindAChangedKindOrFromTheFutureAreAnsweredWithoutParking() {
        var index = Index(current: 5)
        _ = index.publish(index: 7, changes: [ObjectKey(.node, "n1")], containerNodes: [])
        #expect(index.isAnswered(after: 6, filter: .kind(.node)))
        #expect(index.isAnswered(after: 4, filter: .kind(.service)), "every kind changed at the starting index")
        #expect(!index.isAnswered(after: 5, filter: .kind(.service)))
        #expect(index.isAnswered(after: 100, filter: .kind(.service)), "an index from a newer database")
    }

    @Test func removingAWaiterRemovesItsIndexEntries() {
        var index = Index(current: 1)
        index.insert(1, waiter("a", after: 1, .everything))
        #expect(index.remove(1)?.payload == "a")
        #expect(index.remove(1) == nil)
        #expect(index.publish(index: 2, changes: [ObjectKey(.node, "n1")], containerNodes: [])?.isEmpty == true)
    }

    @Test func removeExternalKeepsTheServersOwnLoops() {
        var index = Index(current: 1)
        index.insert(1, waiter("client", after: 1, .everything))
        index.insert(2, waiter("loop", after: 1, .everything, isInternal: true))
        #expect(index.removeExternal().map(\.payload) == ["client"])
        #expect(index.count == 1)
    }

    /// Seeded: random waiters and publishes; every waiter is answered exactly when a publish
    /// past its index touches what it watches, and never twice.
    @Test(arguments: [UInt64(1), 42, 20261130])
    func randomWaitersAreAnsweredExactlyWhenConcerned(seed: UInt64) {
        var random = SplitMix64Local(seed: seed)
        var index = Index(current: 0)
        var live: [UInt64: (after: UInt64, filter: WatchFilter)] = [:]
        let kinds: [ObjectKind] = [.node, .service, .container]
        var nextID: UInt64 = 0
        for step in 1...400 {
            for _ in 0..<Int(random.next() % 4) {
                nextID += 1
                let kind = kinds[Int(random.next() % 3)]
                let filter: WatchFilter = switch random.next() % 3 {
                case 0: .kind(kind)
                case 1: .object(kind, "o\(random.next() % 5)")
                default: .containers(onNode: "n\(random.next() % 3)")
                }
                index.insert(nextID, waiter("\(nextID)", after: index.current, filter))
                live[nextID] = (index.current, filter)
            }
            let kind = kinds[Int(random.next() % 3)]
            let change = ObjectKey(kind, "o\(random.next() % 5)")
            let nodes: Set<String> = kind == .container ? ["n\(random.next() % 3)"] : []
            let woken = Set((index.publish(index: UInt64(step), changes: [change], containerNodes: nodes) ?? []).map(\.id))
            let expected = Set(live.filter { _, w in
                if let node = w.filter.node { return nodes.contains(node) }
                guard w.filter.kinds.contains(change.kind) else { return false }
                return w.filter.name.map { $0 == change.name } ?? true
            }.keys)
            #expect(woken == expected, "seed \(seed), step \(step)")
            for id in woken { live[id] = nil }
            #expect(index.count == live.count, "seed \(seed), step \(step)")
        }
    }
}

/// A local SplitMix64 until the shared test-support target carries one.
struct SplitMix64Local {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
