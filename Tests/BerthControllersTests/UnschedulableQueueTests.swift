@testable import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

/// Containers that found no node sit passes out until the cluster's capacity epoch moves and
/// their backoff ran out, or a minute passed.
@Suite struct UnschedulableQueueTests {
    static let t0 = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func heldUntilTheEpochMovesAndTheBackoffRunsOut() {
        var queue = UnschedulableQueue()
        queue.record(unschedulable: ["c1"], placed: [], pending: ["c1", "c2"], epoch: 7, now: Self.t0)
        #expect(!queue.isHeld("c2", epoch: 7, now: Self.t0), "never tried: not held")
        #expect(queue.isHeld("c1", epoch: 7, now: Self.t0.addingTimeInterval(30)), "nothing changed")
        #expect(queue.isHeld("c1", epoch: 8, now: Self.t0.addingTimeInterval(0.5)), "changed, but within the 1 s backoff")
        #expect(!queue.isHeld("c1", epoch: 8, now: Self.t0.addingTimeInterval(1)))
        #expect(!queue.isHeld("c1", epoch: 7, now: Self.t0.addingTimeInterval(60)), "a minute on, tried whatever happened")
        #expect(!queue.isHeld("c1", epoch: 7, now: Self.t0.addingTimeInterval(-1)), "a clock that went back does not hold it forever")
    }

    @Test func theBackoffDoublesToTenSecondsAndPlacedOrGoneContainersAreForgotten() {
        var queue = UnschedulableQueue()
        for attempt in 0..<6 { queue.record(unschedulable: ["c1", "c2"], placed: [], pending: ["c1", "c2"], epoch: UInt64(attempt), now: Self.t0) }
        #expect(queue.entries["c1"]?.attempts == 6)
        #expect(queue.backoff(1) == 1 && queue.backoff(2) == 2 && queue.backoff(4) == 8 && queue.backoff(6) == 10)
        #expect(queue.isHeld("c1", epoch: 99, now: Self.t0.addingTimeInterval(9.9)))
        queue.record(unschedulable: [], placed: ["c2"], pending: ["c1"], epoch: 99, now: Self.t0.addingTimeInterval(1))
        #expect(Set(queue.entries.keys) == ["c1"], "a placed container leaves at once")
        queue.record(unschedulable: [], placed: [], pending: [], epoch: 99, now: Self.t0.addingTimeInterval(5))
        #expect(Set(queue.entries.keys) == ["c1"], "one gone is swept with the next sweep, not every pass")
        queue.record(unschedulable: [], placed: [], pending: [], epoch: 99, now: Self.t0.addingTimeInterval(10))
        #expect(queue.entries.isEmpty)
    }

    @Test func dueWalksTheEntriesOnlyWhenOneCanHaveComeDue() {
        var queue = UnschedulableQueue()
        queue.record(unschedulable: ["c1", "c2"], placed: [], pending: ["c1", "c2"], epoch: 7, now: Self.t0)
        #expect(queue.due(epoch: 7, now: Self.t0.addingTimeInterval(1)).isEmpty)
        #expect(queue.walks == 1)
        for second in 2..<60 { #expect(queue.due(epoch: 7, now: Self.t0.addingTimeInterval(Double(second))).isEmpty) }
        #expect(queue.walks == 1, "nothing changed and no hold ran out: no walk")
        #expect(queue.due(epoch: 7, now: Self.t0.addingTimeInterval(60)).sorted() == ["c1", "c2"], "a minute on")
        #expect(queue.walks == 2)

        queue.record(unschedulable: ["c1", "c2"], placed: [], pending: ["c1", "c2"], epoch: 7, now: Self.t0.addingTimeInterval(60))
        queue.record(unschedulable: ["c3"], placed: [], pending: ["c1", "c2", "c3"], epoch: 8, now: Self.t0.addingTimeInterval(61))
        #expect(queue.due(epoch: 8, now: Self.t0.addingTimeInterval(61.5)).isEmpty, "c1 and c2 are in their 2 s backoff, c3 was tried at 8")
        #expect(queue.due(epoch: 8, now: Self.t0.addingTimeInterval(61.9)).isEmpty)
        #expect(queue.walks == 3)
        #expect(queue.due(epoch: 8, now: Self.t0.addingTimeInterval(62)).sorted() == ["c1", "c2"], "their backoff ran out after the epoch moved")
        #expect(queue.due(epoch: 9, now: Self.t0.addingTimeInterval(62.5)).sorted() == ["c1", "c2", "c3"], "a new epoch walks again: c3's 1 s backoff ran out too")
        #expect(queue.due(epoch: 9, now: Self.t0.addingTimeInterval(30)).sorted() == ["c1", "c2", "c3"], "a clock that went back walks again")
    }

    @Test func aContainerThatFitsNowhereCostsNothingUntilANodeComes() async throws {
        try await ControllerHarness.with { h in
            let clock = try #require(h.store.clock as? ManualClock)
            try await h.addNode("small", address: "192.168.0.1", cpu: 500)
            try await h.putService("big", ServiceSpec(replicas: 1, template: ContainerTemplate(image: "x", resources: Resources(cpu: 1000, memory: 64))))
            let scheduler = h.scheduler()
            _ = try await h.services(now: clock.date).pass()
            #expect(try await scheduler.pass() == 0)
            let first = scheduler.work.value
            #expect(first.requests == 1 && first.nodesExamined == 1)
            #expect(try await h.containers(service: "big").first?.reason == "0/1 nodes available: 1 insufficient cpu (needs 1000m)")

            clock.advance(by: .seconds(5))
            _ = try await h.store.write { tx in try NodeRepository.heartbeat(tx, name: "small").name }
            #expect(try await scheduler.pass() == 0)
            #expect(scheduler.work.value == first, "a heartbeat frees nothing: the container sits the pass out")

            try await h.addNode("large", address: "192.168.0.2", cpu: 4000)
            #expect(try await scheduler.pass() == 1, "a new node moves the epoch, and the backoff ran out")
            #expect(try await h.containers(service: "big").first?.node == "large")
        }
    }
}
