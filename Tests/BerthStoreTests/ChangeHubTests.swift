import BerthCore
import BerthTesting
import Synchronization
import Testing
@testable import BerthStore

/// A wait on the hub running in a task, and whether it has returned yet.
final class ParkedWait: Sendable {
    private final class Flag: Sendable {
        let value = Mutex(false)
    }

    private let done = Flag()
    let task: Task<Void, Never>

    init(_ hub: ChangeHub, after: UInt64, filter: WatchFilter, timeout: Duration, isInternal: Bool = false) {
        let done = self.done
        task = Task {
            await hub.wait(after: after, filter: filter, timeout: timeout, isInternal: isInternal)
            done.value.withLock { $0 = true }
        }
    }

    var returned: Bool { done.value.withLock { $0 } }

    /// Waits (bounded) for the wait to return; false if it did not.
    func finishes() async -> Bool { await eventually { self.returned } }
}

/// Every deadline runs on a `ManualClock`: a timeout is proved by moving the clock past it, and
/// a wait that must not end yet is checked before the clock gets there, never by timing.
@Suite struct ChangeHubTests {
    /// Starts a waiter and returns once `count` waiters are parked in the hub.
    func parked(_ hub: ChangeHub, after: UInt64, filter: WatchFilter, timeout: Duration = .seconds(30), count: Int = 1,
                isInternal: Bool = false) async throws -> ParkedWait {
        let wait = ParkedWait(hub, after: after, filter: filter, timeout: timeout, isInternal: isInternal)
        try #require(await eventually { hub.waiting >= count }, "the waiter never parked")
        return wait
    }

    @Test func matchingPublishWakesTheWaiter() async throws {
        let hub = ChangeHub(current: 5, clock: ManualClock())
        let waiter = try await parked(hub, after: 5, filter: .kind(.node))
        hub.publish(index: 6, changes: [ObjectKey(.node, "n1")])
        #expect(await waiter.finishes())
        #expect(hub.waiting == 0)
        #expect(hub.current == 6)
    }

    @Test func otherKindsDoNotWakeTheWaiter() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 5, clock: clock)
        let waiter = try await parked(hub, after: 5, filter: .kind(.service), timeout: .milliseconds(50))
        hub.publish(index: 6, changes: [ObjectKey(.node, "n1"), ObjectKey(.lease, "default/10.88.0.0/24")])
        #expect(hub.waiting == 1)
        #expect(hub.current == 6)
        #expect(!waiter.returned)
        clock.advance(by: .milliseconds(50))
        #expect(await waiter.finishes(), "its timeout ends it")
        #expect(hub.waiting == 0)
    }

    @Test func objectFilterWaitsForThatObject() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let waiter = try await parked(hub, after: 1, filter: .object(.node, "n1"))
        hub.publish(index: 2, changes: [ObjectKey(.node, "n2")])
        #expect(hub.waiting == 1)
        hub.publish(index: 3, changes: [ObjectKey(.node, "n1")])
        #expect(await waiter.finishes())
        #expect(hub.waiting == 0)
    }

    @Test func oneWriteWakesEveryMatchingWaiter() async throws {
        let hub = ChangeHub(current: 0, clock: ManualClock())
        let nodes = try await parked(hub, after: 0, filter: .kind(.node))
        let everything = try await parked(hub, after: 0, filter: .everything, count: 2)
        let services = try await parked(hub, after: 0, filter: .kind(.service), count: 3)
        hub.publish(index: 1, changes: [ObjectKey(.node, "n1")])
        #expect(await nodes.finishes())
        #expect(await everything.finishes())
        #expect(hub.waiting == 1)
        #expect(!services.returned)
        hub.shutdown()
        #expect(await services.finishes())
    }

    /// A publish wakes the waiters on the objects it changed and on their kinds, and no other:
    /// with a hundred parked on different nodes, a change to one leaves ninety-nine parked.
    @Test func aChangeWakesOnlyTheWaitersItConcerns() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let perNode = (0..<100).map { i in ParkedWait(hub, after: 1, filter: .object(.node, "n\(i)"), timeout: .seconds(30)) }
        let anyNode = ParkedWait(hub, after: 1, filter: .kind(.node), timeout: .seconds(30))
        let services = ParkedWait(hub, after: 1, filter: .kind(.service), timeout: .seconds(30))
        #expect(await eventually { hub.waiting == 102 })
        hub.publish(index: 2, changes: [ObjectKey(.node, "n5")])
        #expect(await perNode[5].finishes())
        #expect(await anyNode.finishes())
        #expect(await eventually { hub.waiting == 100 })
        hub.publish(index: 3, changes: [ObjectKey(.service, "web"), ObjectKey(.node, "n7"), ObjectKey(.node, "n9")])
        #expect(await services.finishes())
        #expect(await perNode[7].finishes())
        #expect(await perNode[9].finishes())
        #expect(hub.waiting == 97)
        hub.shutdown()
        for wait in perNode { #expect(await wait.finishes()) }
        #expect(hub.waiting == 0)
    }

    /// A node's container watch (an agent's) wakes only when a commit changed a container on
    /// that node, not on every container change.
    @Test func aContainerNodeWatchWakesOnlyForItsNode() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let n1 = try await parked(hub, after: 1, filter: .containers(onNode: "n1"))
        let n2 = try await parked(hub, after: 1, filter: .containers(onNode: "n2"), count: 2)
        hub.publish(index: 2, changes: [ObjectKey(.container, "c9")], containerNodes: ["n3"])
        hub.publish(index: 3, changes: [ObjectKey(.node, "n1")])
        #expect(hub.waiting == 2)
        hub.publish(index: 4, changes: [ObjectKey(.container, "c1"), ObjectKey(.container, "c3")], containerNodes: ["n1", "n3"])
        #expect(await n1.finishes())
        #expect(hub.waiting == 1)
        hub.shutdown()
        #expect(await n2.finishes())
        #expect(hub.waiting == 0)
    }

    @Test func timesOutWhenTheClockPassesTheDeadline() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 3, clock: clock)
        let waiter = try await parked(hub, after: 3, filter: .everything, timeout: .milliseconds(50))
        clock.advance(by: .milliseconds(49))
        #expect(!waiter.returned && hub.waiting == 1, "a millisecond early")
        clock.advance(by: .milliseconds(1))
        #expect(await waiter.finishes())
        #expect(hub.waiting == 0)
    }

    /// One timer serves every deadline: waiters with different timeouts, parked in any order,
    /// each time out on its own, and the short ones do not wait for the long ones.
    @Test func deadlinesSharingOneTimerExpireInTheirOwnTime() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 3, clock: clock)
        let long = try await parked(hub, after: 3, filter: .everything, timeout: .seconds(30))
        let late = try await parked(hub, after: 3, filter: .everything, timeout: .milliseconds(400), count: 2)
        let early = try await parked(hub, after: 3, filter: .everything, timeout: .milliseconds(100), count: 3)
        clock.advance(by: .milliseconds(100))
        #expect(await early.finishes(), "the earliest deadline fires first")
        #expect(!late.returned && !long.returned)
        clock.advance(by: .milliseconds(300))
        #expect(await late.finishes())
        #expect(!long.returned)
        #expect(hub.waiting == 1)
        hub.publish(index: 4, changes: [ObjectKey(.node, "n1")])
        #expect(await long.finishes())
        #expect(hub.waiting == 0)
    }

    /// Thousands of waiters answered by changes leave their deadlines behind; the heap of them is
    /// rebuilt when stale entries dominate, and the live waiters still time out.
    @Test func answeredWaitersDoNotHoldUpOrDisturbTheRest() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 0, clock: clock)
        for round in 1...3 {
            let batch = (0..<1500).map { _ in ParkedWait(hub, after: UInt64(round - 1), filter: .kind(.node), timeout: .seconds(60)) }
            #expect(await eventually { hub.waiting == 1500 })
            hub.publish(index: UInt64(round), changes: [ObjectKey(.node, "n1")])
            for wait in batch { #expect(await wait.finishes()) }
        }
        let survivor = try await parked(hub, after: 3, filter: .kind(.service), timeout: .milliseconds(100))
        clock.advance(by: .milliseconds(99))
        #expect(!survivor.returned)
        clock.advance(by: .milliseconds(1))
        #expect(await survivor.finishes())
        #expect(hub.waiting == 0)
    }

    /// Waits the hub can answer at once return without parking: nothing to publish, no clock to
    /// move (the clock here never moves, so a parked wait would never end).
    @Test func returnsAtOnceWhenTheKindChangedAfterTheIndex() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 5, clock: clock)
        hub.publish(index: 7, changes: [ObjectKey(.node, "n1")])
        // The node kind changed at 7, after 6.
        await hub.wait(after: 6, filter: .kind(.node), timeout: .seconds(30))
        // Every kind counts as changed at the index the hub started from.
        await hub.wait(after: 4, filter: .kind(.service), timeout: .seconds(30))
        // An index from the future (a restored, older database) answers at once.
        await hub.wait(after: 100, filter: .kind(.service), timeout: .seconds(30))
        #expect(hub.waiting == 0)
        // Services have not changed since 5, so a waiter after 5 parks until its timeout.
        let parkedOne = try await parked(hub, after: 5, filter: .kind(.service), timeout: .milliseconds(50))
        #expect(!parkedOne.returned)
        clock.advance(by: .milliseconds(50))
        #expect(await parkedOne.finishes())
    }

    @Test func staleOrRepeatedPublishIsIgnored() async throws {
        let clock = ManualClock()
        let hub = ChangeHub(current: 5, clock: clock)
        let waiter = try await parked(hub, after: 5, filter: .kind(.node), timeout: .milliseconds(50))
        hub.publish(index: 5, changes: [ObjectKey(.node, "n1")])
        hub.publish(index: 4, changes: [ObjectKey(.node, "n1")])
        #expect(hub.current == 5)
        #expect(hub.waiting == 1)
        #expect(!waiter.returned)
        clock.advance(by: .milliseconds(50))
        #expect(await waiter.finishes())
    }

    @Test func shutdownReleasesEveryWaiter() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let a = try await parked(hub, after: 1, filter: .kind(.node))
        let b = try await parked(hub, after: 1, filter: .everything, count: 2)
        let c = try await parked(hub, after: 1, filter: .object(.service, "web"), count: 3)
        hub.shutdown()
        for waiter in [a, b, c] { #expect(await waiter.finishes()) }
        #expect(hub.waiting == 0)
        // Later waits return at once too (the clock never moves: a parked wait would hang).
        await hub.wait(after: 1, filter: .kind(.node), timeout: .seconds(30))
    }

    @Test func internalWaitersOutliveShutdown() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let client = try await parked(hub, after: 1, filter: .kind(.node))
        let loop = try await parked(hub, after: 1, filter: .kind(.container), count: 2, isInternal: true)
        hub.shutdown()
        #expect(await client.finishes())
        // The reconciliation loop is still parked, and a commit still wakes it.
        #expect(hub.waiting == 1)
        #expect(!loop.returned)
        hub.publish(index: 2, changes: [ObjectKey(.container, "c1")])
        #expect(await loop.finishes())
        #expect(hub.waiting == 0)
    }

    @Test func cancellationReleasesTheWaiter() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let waiter = try await parked(hub, after: 1, filter: .kind(.node))
        waiter.task.cancel()
        #expect(await waiter.finishes())
        #expect(hub.waiting == 0)
    }

    /// Observers hear of each commit before the waiters it answers are resumed.
    @Test func observersHearEachPublicationBeforeItsWaitersResume() async throws {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let heard = Mutex<[UInt64]>([])
        let waiter = try await parked(hub, after: 1, filter: .kind(.node))
        hub.observe { publication in
            heard.withLock { $0.append(publication.index) }
            #expect(!waiter.returned, "the waiter resumed before the observer ran")
        }
        hub.publish(index: 2, changes: [ObjectKey(.node, "n1")])
        hub.publish(index: 2, changes: [ObjectKey(.node, "n1")])
        hub.publish(index: 3, changes: [ObjectKey(.service, "web")], containerNodes: [])
        #expect(await waiter.finishes())
        #expect(heard.withLock { $0 } == [2, 3], "a stale publish is not announced")
    }

    @Test func storeWritesWakeWatchers() async throws {
        try await withStore { store, _ async throws in
            let index = try await store.currentIndex()
            #expect(store.hub.current == index)
            let waiter = ParkedWait(store.hub, after: index, filter: .object(.node, "n1"), timeout: .seconds(30))
            #expect(await eventually { store.hub.waiting == 1 })
            _ = try await store.createService("web")
            #expect(store.hub.waiting == 1)
            _ = try await store.registerNode("n1")
            #expect(await waiter.finishes())
            #expect(store.hub.current == index + 2)
        }
    }

    @Test func closingTheStoreReleasesWatchers() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let store = try await db.open()
        let index = try await store.currentIndex()
        let waiter = ParkedWait(store.hub, after: index, filter: .everything, timeout: .seconds(30))
        #expect(await eventually { store.hub.waiting == 1 })
        try store.close()
        #expect(await waiter.finishes())
    }
}
