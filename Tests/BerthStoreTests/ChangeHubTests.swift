import BerthCore
import BerthTesting
import Synchronization
import Testing
@testable import BerthStore

/// No test here bounds how long a wake-up took: a waiter that must be woken by a publish (or a
/// shutdown, a cancellation) waits an hour, so returning at all shows it was (the suite's time
/// limit fails a run in which it was not). Timeouts are tested with lower bounds only: a timer
/// never fires early, however slow the machine.
@Suite(.timeLimit(.minutes(2))) struct ChangeHubTests {
    /// A timeout no test outlives.
    static let never = Duration.seconds(3600)

    /// Starts a waiter and returns once it is parked in the hub (the `count`th waiter), or has
    /// already come and gone: a short timeout can run out, on a busy machine, before the test
    /// looks.
    func parkedWaiter(_ hub: ChangeHub, after: UInt64, filter: WatchFilter, timeout: Duration = Self.never, count: Int = 1) async throws -> Task<Duration, Never> {
        let done = Flag()
        let task = Task {
            let clock = ContinuousClock()
            let start = clock.now
            await hub.wait(after: after, filter: filter, timeout: timeout)
            done.set()
            return clock.now - start
        }
        let parked = await eventually { hub.waiting >= count || done.isSet }
        try #require(parked, "the waiter never parked")
        return task
    }

    @Test func matchingPublishWakesTheWaiter() async throws {
        let hub = ChangeHub(current: 5)
        let waiter = try await parkedWaiter(hub, after: 5, filter: .kind(.node))
        hub.publish(index: 6, changes: [ObjectKey(.node, "n1")])
        _ = await waiter.value  // woken: its timeout is an hour away
        #expect(hub.waiting == 0)
        #expect(hub.current == 6)
    }

    @Test func otherKindsDoNotWakeTheWaiter() async throws {
        let hub = ChangeHub(current: 5)
        let waiter = try await parkedWaiter(hub, after: 5, filter: .kind(.service))
        hub.publish(index: 6, changes: [ObjectKey(.node, "n1"), ObjectKey(.lease, "default/10.88.0.0/24")])
        // A publish releases the waiters it wakes before it returns: still parked is not woken.
        #expect(hub.waiting == 1, "a node or lease change must not wake a service waiter")
        #expect(hub.current == 6)
        hub.shutdown()
        _ = await waiter.value
        #expect(hub.waiting == 0)
    }

    @Test func objectFilterWaitsForThatObject() async throws {
        let hub = ChangeHub(current: 1)
        let waiter = try await parkedWaiter(hub, after: 1, filter: .object(.node, "n1"))
        hub.publish(index: 2, changes: [ObjectKey(.node, "n2")])
        #expect(hub.waiting == 1)
        hub.publish(index: 3, changes: [ObjectKey(.node, "n1")])
        _ = await waiter.value  // woken: its timeout is an hour away
        #expect(hub.waiting == 0)
    }

    @Test func oneWriteWakesEveryMatchingWaiter() async throws {
        let hub = ChangeHub(current: 0)
        let nodes = try await parkedWaiter(hub, after: 0, filter: .kind(.node))
        let everything = try await parkedWaiter(hub, after: 0, filter: .everything, count: 2)
        let services = try await parkedWaiter(hub, after: 0, filter: .kind(.service), count: 3)
        hub.publish(index: 1, changes: [ObjectKey(.node, "n1")])
        _ = await nodes.value  // woken: their timeouts are an hour away
        _ = await everything.value
        #expect(hub.waiting == 1, "the service waiter is not woken by a node change")
        hub.shutdown()
        _ = await services.value
    }

    /// A publish wakes the waiters on the objects it changed and on their kinds, and no other:
    /// with a hundred parked on different nodes, a change to one leaves ninety-nine parked.
    @Test func aChangeWakesOnlyTheWaitersItConcerns() async throws {
        let hub = ChangeHub(current: 1)
        let perNode = (0..<100).map { i in Task { await hub.wait(after: 1, filter: .object(.node, "n\(i)"), timeout: Self.never) } }
        let anyNode = Task { await hub.wait(after: 1, filter: .kind(.node), timeout: Self.never) }
        let services = Task { await hub.wait(after: 1, filter: .kind(.service), timeout: Self.never) }
        #expect(await eventually { hub.waiting == 102 })
        hub.publish(index: 2, changes: [ObjectKey(.node, "n5")])
        await perNode[5].value
        await anyNode.value
        #expect(await eventually { hub.waiting == 100 })
        hub.publish(index: 3, changes: [ObjectKey(.service, "web"), ObjectKey(.node, "n7"), ObjectKey(.node, "n9")])
        await services.value
        await perNode[7].value
        await perNode[9].value
        #expect(hub.waiting == 97)
        hub.shutdown()
        for task in perNode { await task.value }
        #expect(hub.waiting == 0)
    }

    /// A node's container watch (an agent's) wakes only when a commit changed a container on
    /// that node, not on every container change.
    @Test func aContainerNodeWatchWakesOnlyForItsNode() async throws {
        let hub = ChangeHub(current: 1)
        let n1 = try await parkedWaiter(hub, after: 1, filter: .containers(onNode: "n1"))
        let n2 = Task { await hub.wait(after: 1, filter: .containers(onNode: "n2"), timeout: Self.never) }
        #expect(await eventually { hub.waiting == 2 })
        hub.publish(index: 2, changes: [ObjectKey(.container, "c9")], containerNodes: ["n3"])
        hub.publish(index: 3, changes: [ObjectKey(.node, "n1")])
        #expect(hub.waiting == 2)
        hub.publish(index: 4, changes: [ObjectKey(.container, "c1"), ObjectKey(.container, "c3")], containerNodes: ["n1", "n3"])
        _ = await n1.value
        #expect(hub.waiting == 1)
        hub.shutdown()
        await n2.value
        #expect(hub.waiting == 0)
    }

    @Test func timesOut() async throws {
        let hub = ChangeHub(current: 3)
        let clock = ContinuousClock()
        let start = clock.now
        await hub.wait(after: 3, filter: .everything, timeout: .milliseconds(50))
        let elapsed = clock.now - start
        #expect(elapsed >= .milliseconds(50))
        #expect(elapsed < .seconds(10))
        #expect(hub.waiting == 0)
    }

    /// One timer serves every deadline: waiters with different timeouts, parked in any order,
    /// each time out on its own, and the short ones do not wait for the long ones.
    @Test func deadlinesSharingOneTimerExpireInTheirOwnTime() async throws {
        let hub = ChangeHub(current: 3)
        let long = try await parkedWaiter(hub, after: 3, filter: .everything, timeout: .seconds(30))
        let late = try await parkedWaiter(hub, after: 3, filter: .everything, timeout: .milliseconds(400), count: 2)
        let early = try await parkedWaiter(hub, after: 3, filter: .everything, timeout: .milliseconds(100), count: 3)
        let earlyTook = await early.value
        let lateTook = await late.value
        #expect(earlyTook >= .milliseconds(100) && earlyTook < .milliseconds(400))
        #expect(lateTook >= .milliseconds(400) && lateTook < .seconds(10))
        #expect(hub.waiting == 1)
        hub.publish(index: 4, changes: [ObjectKey(.node, "n1")])
        #expect(await long.value < .seconds(10))
        #expect(hub.waiting == 0)
    }

    /// Thousands of waiters answered by changes leave their deadlines behind; the heap of them is
    /// rebuilt when stale entries dominate, and the live waiters still time out.
    @Test func answeredWaitersDoNotHoldUpOrDisturbTheRest() async throws {
        let hub = ChangeHub(current: 0)
        for round in 1...3 {
            let batch = (0..<1500).map { _ in Task { await hub.wait(after: UInt64(round - 1), filter: .kind(.node), timeout: .seconds(60)) } }
            #expect(await eventually { hub.waiting == 1500 })
            hub.publish(index: UInt64(round), changes: [ObjectKey(.node, "n1")])
            for task in batch { await task.value }
        }
        let survivor = try await parkedWaiter(hub, after: 3, filter: .kind(.service), timeout: .milliseconds(100))
        let took = await survivor.value
        #expect(took >= .milliseconds(100))
        #expect(hub.waiting == 0)
    }

    @Test func returnsAtOnceWhenTheKindChangedAfterTheIndex() async throws {
        let hub = ChangeHub(current: 5)
        hub.publish(index: 7, changes: [ObjectKey(.node, "n1")])
        // Each of these returns at all only by answering at once: its timeout is an hour away.

        // The node kind changed at 7, after 6.
        await hub.wait(after: 6, filter: .kind(.node), timeout: Self.never)

        // Every kind counts as changed at the index the hub started from.
        await hub.wait(after: 4, filter: .kind(.service), timeout: Self.never)

        // An index from the future (a restored, older database) answers at once.
        await hub.wait(after: 100, filter: .kind(.service), timeout: Self.never)
        #expect(hub.waiting == 0)

        // Services have not changed since 5, so a waiter after 5 parks until its timeout.
        let clock = ContinuousClock()
        let start = clock.now
        await hub.wait(after: 5, filter: .kind(.service), timeout: .milliseconds(50))
        #expect(clock.now - start >= .milliseconds(50))
    }

    @Test func staleOrRepeatedPublishIsIgnored() async throws {
        let hub = ChangeHub(current: 5)
        let waiter = try await parkedWaiter(hub, after: 5, filter: .kind(.node))
        hub.publish(index: 5, changes: [ObjectKey(.node, "n1")])
        hub.publish(index: 4, changes: [ObjectKey(.node, "n1")])
        #expect(hub.current == 5)
        #expect(hub.waiting == 1, "neither woke the waiter")
        hub.publish(index: 6, changes: [ObjectKey(.node, "n1")])
        _ = await waiter.value  // the next real publish does
        #expect(hub.waiting == 0)
    }

    @Test func shutdownReleasesEveryWaiter() async throws {
        let hub = ChangeHub(current: 1)
        let a = try await parkedWaiter(hub, after: 1, filter: .kind(.node))
        let b = try await parkedWaiter(hub, after: 1, filter: .everything, count: 2)
        let c = try await parkedWaiter(hub, after: 1, filter: .object(.service, "web"), count: 3)
        hub.shutdown()
        for waiter in [a, b, c] { _ = await waiter.value }  // released: their timeouts are an hour away
        #expect(hub.waiting == 0)

        // Later waits return at once too (this one's timeout is an hour away).
        await hub.wait(after: 1, filter: .kind(.node), timeout: Self.never)
        #expect(hub.waiting == 0)
    }

    @Test func internalWaitersOutliveShutdown() async throws {
        let hub = ChangeHub(current: 1)
        let client = try await parkedWaiter(hub, after: 1, filter: .kind(.node))
        let loop = Task { await hub.wait(after: 1, filter: .kind(.container), timeout: Self.never, isInternal: true) }
        #expect(await eventually { hub.waiting == 2 })
        hub.shutdown()
        _ = await client.value  // released: its timeout is an hour away
        // The reconciliation loop is still parked, and a commit still wakes it.
        #expect(hub.waiting == 1)
        hub.publish(index: 2, changes: [ObjectKey(.container, "c1")])
        await loop.value
        #expect(hub.waiting == 0)
    }

    @Test func cancellationReleasesTheWaiter() async throws {
        let hub = ChangeHub(current: 1)
        let waiter = try await parkedWaiter(hub, after: 1, filter: .kind(.node))
        waiter.cancel()
        _ = await waiter.value  // released: its timeout is an hour away
        #expect(hub.waiting == 0)
    }

    @Test func storeWritesWakeWatchers() async throws {
        try await withStore { store, _ async throws in
            let index = try await store.currentIndex()
            #expect(store.hub.current == index)
            let waiter = Task { await store.wait(after: index, filter: .object(.node, "n1"), timeout: Self.never) }
            #expect(await eventually { store.hub.waiting == 1 })
            _ = try await store.createService("web")
            #expect(store.hub.waiting == 1)
            _ = try await store.registerNode("n1")
            await waiter.value  // woken: its timeout is an hour away
            #expect(store.hub.current == index + 2)
        }
    }

    @Test func closingTheStoreReleasesWatchers() async throws {
        let db = try TempDatabase()
        defer { db.remove() }
        let store = try await db.open()
        let index = try await store.currentIndex()
        let waiter = Task { await store.wait(after: index, filter: .everything, timeout: Self.never) }
        #expect(await eventually { store.hub.waiting == 1 })
        try store.close()
        await waiter.value  // released: its timeout is an hour away
    }
}

/// The hub's remembered answers: served only while nothing published could have changed them.
@Suite struct RememberedAnswerTests {
    @Test func anAnswerIsKeptUntilItsObjectChanges() {
        let hub = ChangeHub(current: 5)
        let n1 = ObjectKey(.node, "n1")
        hub.remember([1], for: n1, readAt: 5)
        #expect(hub.answer(for: n1)?.body == [1])
        hub.publish(index: 6, changes: [ObjectKey(.node, "n2")])
        #expect(hub.answer(for: n1)?.index == 6, "another object's change keeps it, at the new index")
        hub.publish(index: 7, changes: [n1])
        #expect(hub.answer(for: n1) == nil)
    }

    @Test func anAnswerReadBeforeTheLastPublishIsNotKept() {
        let hub = ChangeHub(current: 5)
        let n1 = ObjectKey(.node, "n1")
        hub.publish(index: 6, changes: [n1])
        hub.remember([1], for: n1, readAt: 5)
        #expect(hub.answer(for: n1) == nil, "a snapshot older than the hub may hold a stale object")
        hub.remember([2], for: n1, readAt: 7)
        #expect(hub.answer(for: n1) == nil, "nor one from a commit not yet published")
    }

    @Test func anyContainerChangeForgetsNodesAndServices() {
        let hub = ChangeHub(current: 1)
        hub.remember([1], for: ObjectKey(.node, "n1"), readAt: 1)
        hub.remember([2], for: ObjectKey(.service, "web"), readAt: 1)
        hub.remember([3], for: ObjectKey(.network, "default"), readAt: 1)
        hub.publish(index: 2, changes: [ObjectKey(.container, "c1")])
        #expect(hub.answer(for: ObjectKey(.node, "n1")) == nil, "its allocation may have moved")
        #expect(hub.answer(for: ObjectKey(.service, "web")) == nil, "its running replicas may have moved")
        #expect(hub.answer(for: ObjectKey(.network, "default"))?.body == [3])
    }
}

/// A one-way flag a task sets when it is done.
final class Flag: Sendable {
    private let value = Mutex(false)
    func set() { value.withLock { $0 = true } }
    var isSet: Bool { value.withLock { $0 } }
}
