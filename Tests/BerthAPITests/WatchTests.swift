import BerthClient
import BerthStore
import BerthTesting
import Foundation
import Testing

/// Blocking queries and the change feed over a live server.
///
/// No test here times how long an answer took. A watch that must be woken by a change waits the
/// longest `wait` there is (10m): only the change can answer it within the suite's time limit.
/// A change is made only once the watch is parked (`LiveServer.parked`), and that a change did
/// not answer a watch is shown by order: the answer comes later, with the index of a later write.
@Suite(.timeLimit(.minutes(2))) struct WatchTests {
    @Test func blockingReadWakesOnAChange() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let first = try await c.put("/v1/nodes/n1", nodeBody)
            let index = first.index!
            async let woken = c.get("/v1/nodes/n1?index=\(index)&wait=10m")
            try await server.parked()  // it waits for the change rather than answering at once
            let beat = try await c.post("/v1/nodes/n1/heartbeat")
            let reply = try await woken
            #expect(reply.status == 200)
            #expect(reply.index == beat.index, "the answer is the state after the change, never older")
        }
    }

    @Test func blockingReadTimesOutWithoutAChange() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let first = try await c.put("/v1/nodes/n1", nodeBody)
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await c.get("/v1/nodes/n1?index=\(first.index!)&wait=300ms")
            #expect(reply.status == 200)
            #expect(reply.index == first.index)
            // A lower bound only (a timer never fires early, however slow the machine): the
            // wait was honoured. That it ends at all is the suite's time limit.
            #expect(clock.now - start >= .milliseconds(290))
        }
    }

    @Test func aChangeToAnotherObjectDoesNotWakeASingleObjectWatch() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let index = try await c.put("/v1/nodes/n2", nodeBody).index!
            async let watch = c.get("/v1/nodes/n1?index=\(index)&wait=10m")
            try await server.parked()
            let other = try await c.post("/v1/nodes/n2/heartbeat")
            // A write is acknowledged only after the watches it wakes are released.
            #expect(server.store.hub.waiting == 1, "n2's heartbeat must not wake a watch on n1")
            let mine = try await c.post("/v1/nodes/n1/heartbeat")
            let reply = try await watch
            #expect(reply.status == 200)
            #expect(reply.index == mine.index, "answered by n1's heartbeat, not n2's (at \(other.index!))")
        }
    }

    /// An agent follows its node's container events: another node's container changing moves
    /// the index but must not answer its poll with an empty page; its own container's does.
    @Test func aNodesEventFeedWaitsThroughOtherNodesChanges() async throws {
        try await LiveServer.with(loops: true) { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            _ = try await c.put("/v1/nodes/n2", nodeBody)
            var ids: [String: String] = [:]
            for node in ["n1", "n2"] {
                let created = try await c.post("/v1/containers", #"{"name":"on-\#(node)","image":"x","constraints":["node.name==\#(node)"]}"#)
                ids[node] = json(created)["id"] as? String
            }
            try await eventually("both placed") {
                let list = json(try await c.get("/v1/containers"))["items"] as? [[String: Any]] ?? []
                return list.filter { $0["state"] as? String == "scheduled" }.count == 2
            }
            let index = try await c.get("/v1/containers").index!

            // Its own container's change answers it; n2's, made first, must not answer it with
            // an empty page.
            async let mine = c.get("/v1/events?after=\(index)&node=n1&wait=10m")
            try await server.parked()
            _ = try await c.put("/v1/containers/\(ids["n2"]!)/status", #"{"state":"running"}"#)
            _ = try await c.put("/v1/containers/\(ids["n1"]!)/status", #"{"state":"running"}"#)
            let answered = try await mine
            let events = json(answered)["events"] as? [[String: Any]] ?? []
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0["name"] as? String == ids["n1"] }, "only n1's container: \(events)")
            let after = try #require(json(answered)["next"] as? Int)

            // Only other nodes' changes: the poll stays open through them (still open after a
            // later write), and when it ends, as at shutdown or when its wait runs out, its
            // page is empty and `next` has moved past them.
            async let quiet = c.get("/v1/events?after=\(after)&node=n1&wait=10m")
            try await server.parked()
            let others = try await c.put("/v1/containers/\(ids["n2"]!)/status", #"{"state":"exited","exitCode":0}"#)
            let later = try await c.post("/v1/nodes/n2/heartbeat")
            server.store.hub.shutdown()
            let unanswered = try await quiet
            #expect((json(unanswered)["events"] as? [Any])?.isEmpty == true)
            let next = try #require(json(unanswered)["next"] as? Int)
            #expect(next > after)
            #expect(UInt64(next) >= later.index!, "n2's container (at \(others.index!)) answered n1's poll")
        }
    }

    @Test(arguments: ["index=x", "wait=forever", "index=-1", "wait=10"])
    func badBlockingParametersAre400(query: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.get("/v1/nodes?\(query)")
            #expect(reply.status == 400)
        }
    }

    /// A wait past a day is capped like any long one (see WaitParameterTests), not refused.
    @Test func aWaitPastADayIsAccepted() async throws {
        try await LiveServer.with { server in
            let read = try await server.client.get("/v1/nodes?index=0&wait=25h")
            let feed = try await server.client.get("/v1/events?after=0&wait=25h")
            #expect(read.status == 200)
            #expect(feed.status == 200)
        }
    }

    @Test(arguments: [("node=N1", "node"), ("node=", "node"), ("node=a_b", "node"), ("kind=nodes", "kind"), ("kind=node,", "kind")])
    func badFeedFiltersAre400NamingTheParameter(query: String, parameter: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.get("/v1/events?\(query)")
            #expect(reply.status == 400)
            #expect(errorMessage(reply).hasPrefix("\(parameter):"), "\(errorMessage(reply))")
        }
    }

    @Test func eventFeedResumesWithoutGapsWhileWritesGoOn() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let writes = 120
            async let writer: Void = {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<writes {
                        group.addTask { _ = try await c.put("/v1/nodes/n\(i)", nodeBody) }
                        if i % 8 == 7 { try await group.waitForAll() }
                    }
                    try await group.waitForAll()
                }
            }()
            var after: UInt64 = 0
            var seen: [String] = []
            var indexes: [Int] = []
            for _ in 0..<200 where seen.count < writes {
                let page = try await c.get("/v1/events?after=\(after)&limit=7&kind=node&wait=2s")
                #expect(page.status == 200)
                let body = json(page)
                for event in body["events"] as? [[String: Any]] ?? [] {
                    seen.append(event["name"] as! String)
                    indexes.append(event["index"] as! Int)
                    #expect(event["op"] as? String == "created")
                    #expect((event["object"] as? [String: Any])?["name"] as? String == event["name"] as? String)
                }
                let next = UInt64(body["next"] as! Int)
                #expect(next >= after)
                after = next
            }
            try await writer
            #expect(seen.count == writes, "every write seen once")
            #expect(Set(seen).count == writes, "no duplicates")
            #expect(indexes == indexes.sorted(), "in order")
        }
    }

    @Test func eventsOlderThanTheWindowAre410() async throws {
        var options = StoreOptions()
        options.eventRetention = 10
        try await LiveServer.with(options: options) { server in
            for i in 0..<40 { _ = try await server.client.put("/v1/nodes/n\(i % 3)", nodeBody.replacingOccurrences(of: "192.0.2.10", with: "192.0.2.\(i + 1)")) }
            let gone = try await server.client.get("/v1/events?after=1")
            #expect(gone.status == 410)
            #expect(errorCode(gone) == "compacted")
            let list = try await server.client.get("/v1/nodes")
            let resumed = try await server.client.get("/v1/events?after=\(list.index!)")
            #expect(resumed.status == 200, "listing again and resuming from its index works")
        }
    }

    /// Any spelling of the feed's path the router accepts (`/v1/events/`) parks as the feed
    /// does, holding one of its client's places.
    @Test func aFeedPollByAnotherSpellingHoldsAPlace() async throws {
        try await LiveServer.with(maxWatchesPerClient: 1) { server in
            let index = try await server.client.put("/v1/nodes/n1", nodeBody).index!
            async let parked = server.client.client.get("/v1/events/?after=\(index)&wait=10m")
            try await server.parked()
            let refused = try await server.client.get("/v1/nodes?index=\(index)&wait=10m")
            #expect(refused.status == 429)
            server.store.hub.shutdown()
            #expect(try await parked.status == 200)
        }
    }

    @Test func shutdownAnswersParkedWatches() async throws {
        try await LiveServer.with { server in
            let index = try await server.client.put("/v1/nodes/n1", nodeBody).index!
            async let parked = server.client.get("/v1/nodes/n1?index=\(index)&wait=10m")
            try await server.parked()
            server.store.hub.shutdown()
            let reply = try await parked
            #expect(reply.status == 200)
            #expect(reply.index == index, "answered without a change")
        }
    }
}
