import BerthCore
import BerthStore
import Testing
@testable import BerthAPI

/// The API's remembered answers: served only while nothing published could have changed them.
@Suite struct AnswerCacheTests {
    @Test func anAnswerIsKeptUntilItsObjectChanges() {
        let hub = ChangeHub(current: 5, clock: ManualClock())
        let cache = AnswerCache(hub: hub)
        let n1 = ObjectKey(.node, "n1")
        cache.remember([1], for: n1, readAt: 5)
        #expect(cache.answer(for: n1)?.body == [1])
        hub.publish(index: 6, changes: [ObjectKey(.node, "n2")])
        #expect(cache.answer(for: n1)?.index == 6, "another object's change keeps it, at the new index")
        hub.publish(index: 7, changes: [n1])
        #expect(cache.answer(for: n1) == nil)
    }

    @Test func anAnswerReadBeforeTheLastPublishIsNotKept() {
        let hub = ChangeHub(current: 5, clock: ManualClock())
        let cache = AnswerCache(hub: hub)
        let n1 = ObjectKey(.node, "n1")
        hub.publish(index: 6, changes: [n1])
        cache.remember([1], for: n1, readAt: 5)
        #expect(cache.answer(for: n1) == nil, "a snapshot older than the hub may hold a stale object")
        cache.remember([2], for: n1, readAt: 7)
        #expect(cache.answer(for: n1) == nil, "nor one from a commit not yet published")
    }

    @Test func anyContainerChangeForgetsNodesAndServices() {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let cache = AnswerCache(hub: hub)
        cache.remember([1], for: ObjectKey(.node, "n1"), readAt: 1)
        cache.remember([2], for: ObjectKey(.service, "web"), readAt: 1)
        cache.remember([3], for: ObjectKey(.network, "default"), readAt: 1)
        hub.publish(index: 2, changes: [ObjectKey(.container, "c1")])
        #expect(cache.answer(for: ObjectKey(.node, "n1")) == nil, "its allocation may have moved")
        #expect(cache.answer(for: ObjectKey(.service, "web")) == nil, "its running replicas may have moved")
        #expect(cache.answer(for: ObjectKey(.network, "default"))?.body == [3])
    }

    @Test func aFullCacheStartsAfresh() {
        let hub = ChangeHub(current: 1, clock: ManualClock())
        let cache = AnswerCache(hub: hub, capacity: 2)
        cache.remember([1], for: ObjectKey(.node, "a"), readAt: 1)
        cache.remember([2], for: ObjectKey(.node, "b"), readAt: 1)
        cache.remember([3], for: ObjectKey(.node, "c"), readAt: 1)
        #expect(cache.answer(for: ObjectKey(.node, "a")) == nil)
        #expect(cache.answer(for: ObjectKey(.node, "c"))?.body == [3])
    }
}
