import BerthClient
import BerthStore
import BerthTesting
import Foundation
import Testing

/// Blocking queries and the change feed over a live server.
@Suite struct WatchTests {
    @Test func blockingReadWakesOnAChange() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let first = try await c.put("/v1/nodes/n1", nodeBody)
            let index = first.index!
            let clock = ContinuousClock()
            let start = clock.now
            async let woken = c.get("/v1/nodes/n1?index=\(index)&wait=20s")
            try await Task.sleep(for: .milliseconds(200))
            let beat = try await c.post("/v1/nodes/n1/heartbeat")
            let reply = try await woken
            let elapsed = clock.now - start
            #expect(reply.status == 200)
            #expect(reply.index == beat.index, "the answer is the state after the change, never older")
            #expect(elapsed < .seconds(5))
            #expect(elapsed >= .milliseconds(150), "it waited for the change")
        }
    }

    @Test func blockingReadTimesOutWithoutAChange() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let first = try await c.put("/v1/nodes/n1", nodeBody)
            let clock = ContinuousClock()
            let start = clock.now
            let reply = try await c.get("/v1/nodes/n1?index=\(first.index!)&wait=300ms")
            let elapsed = clock.now - start
            #expect(reply.status == 200)
            #expect(reply.index == first.index)
            #expect(elapsed >= .milliseconds(290))
            #expect(elapsed < .seconds(3))
        }
    }

    @Test func aChangeToAnotherObjectDoesNotWakeASingleObjectWatch() async throws {
        try await LiveServer.with { server in
            let c = server.client
            _ = try await c.put("/v1/nodes/n1", nodeBody)
            let index = try await c.put("/v1/nodes/n2", nodeBody).index!
            let clock = ContinuousClock()
            let start = clock.now
            async let watch = c.get("/v1/nodes/n1?index=\(index)&wait=600ms")
            try await Task.sleep(for: .milliseconds(100))
            _ = try await c.post("/v1/nodes/n2/heartbeat")
            let reply = try await watch
            #expect(reply.status == 200)
            #expect(clock.now - start >= .milliseconds(550), "n2's heartbeat must not wake a watch on n1")
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
            let clock = ContinuousClock()

            let start = clock.now
            async let quiet = c.get("/v1/events?after=\(index)&node=n1&wait=1200ms")
            try await Task.sleep(for: .milliseconds(150))
            _ = try await c.put("/v1/containers/\(ids["n2"]!)/status", #"{"state":"running"}"#)
            let unanswered = try await quiet
            #expect(clock.now - start >= .milliseconds(1100), "n2's container must not answer n1's poll")
            #expect((json(unanswered)["events"] as? [Any])?.isEmpty == true)
            let next = try #require(json(unanswered)["next"] as? Int)
            #expect(next > index)

            // Its own container's change answers it (were it not woken, the wait would run out
            // and the page would be empty).
            async let mine = c.get("/v1/events?after=\(next)&node=n1&wait=30s")
            try await Task.sleep(for: .milliseconds(150))
            _ = try await c.put("/v1/containers/\(ids["n2"]!)/status", #"{"state":"exited","exitCode":0}"#)
            _ = try await c.put("/v1/containers/\(ids["n1"]!)/status", #"{"state":"running"}"#)
            let answered = try await mine
            let events = json(answered)["events"] as? [[String: Any]] ?? []
            #expect(!events.isEmpty)
            #expect(events.allSatisfy { $0["name"] as? String == ids["n1"] }, "only n1's container: \(events)")
        }
    }

    @Test(arguments: ["index=x", "wait=forever", "index=-1", "wait=10"])
    func badBlockingParametersAre400(query: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.get("/v1/nodes?\(query)")
            #expect(reply.status == 400)
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

    @Test func shutdownAnswersParkedWatches() async throws {
        try await LiveServer.with { server in
            let index = try await server.client.put("/v1/nodes/n1", nodeBody).index!
            let clock = ContinuousClock()
            let start = clock.now
            async let parked = server.client.get("/v1/nodes/n1?index=\(index)&wait=60s")
            try await Task.sleep(for: .milliseconds(200))
            server.store.hub.shutdown()
            let reply = try await parked
            #expect(reply.status == 200)
            #expect(clock.now - start < .seconds(5))
        }
    }
}
