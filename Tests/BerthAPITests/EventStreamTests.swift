import BerthClient
import BerthStore
import BerthTesting
import Foundation
import Testing

extension EventStreamItem {
    /// The change index of a message; nil for a heartbeat.
    var index: UInt64? {
        guard case .events(let index, _) = self else { return nil }
        return index
    }
}

/// `/v1/events/stream` over a live server: what `/v1/events` owes its client (ordered, whole
/// indexes, resumable without loss or repeat, the same filters and access rules), live, and a
/// stream that never outlives its client or the server.
///
/// A write a stream should see is made only once the stream is parked on the change hub
/// (`LiveServer.parked`), so nothing here depends on timing; no test sleeps.
@Suite(.timeLimit(.minutes(2))) struct EventStreamTests {
    @Test func aStreamDeliversNewEventsLive() async throws {
        try await LiveServer.with { server in
            let follower = EventStreamFollower(server.client.client)
            try await server.parked()
            let written = try await server.client.put("/v1/nodes/n1", nodeBody)
            try await eventually("the node's event arrived") { follower.events.contains { $0.event["name"] as? String == "n1" } }
            let event = try #require(follower.events.first { $0.event["kind"] as? String == "node" })
            #expect(event.index == written.index, "id: is the change index")
            #expect(event.event["index"] as? Int == Int(written.index!))
            #expect(event.event["op"] as? String == "created")
            #expect((event.event["object"] as? [String: Any])?["address"] as? String == "192.0.2.10", "the event's JSON as /v1/events shows it")

            // A commit of several objects is one message holding exactly the events /v1/events
            // shows at that index.
            let service = try await server.client.put("/v1/services/web", #"{"replicas":0,"template":{"image":"x"}}"#)
            let index = try #require(service.index)
            try await eventually("the service's index arrived") { follower.items.contains { $0.index == index } }
            await follower.stop()
            let message = try #require(follower.items.first { $0.index == index })
            guard case .events(_, let lines) = message else { return }
            let page = json(try await server.client.get("/v1/events?after=\(index - 1)"))["events"] as? [[String: Any]] ?? []
            let shown = try page.filter { $0["index"] as? Int == Int(index) }.map(Self.canonical)
            #expect(shown.count >= 2, "a service and its targets: \(shown)")
            #expect(try lines.map { try Self.canonical(JSONSerialization.jsonObject(with: $0)) } == shown)
            #expect(follower.items.filter { $0.index == index }.count == 1, "one message per index")
        }
    }

    static func canonical(_ object: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
    }

    /// A tab that loses its connection while writes go on, and reconnects with the id of the
    /// last message it received, sees every change exactly once, in order.
    @Test func aResumeWithLastEventIDLosesAndRepeatsNothing() async throws {
        try await LiveServer.with { server in
            let c = server.client
            let writes = 120
            let start = try await c.get("/v1/nodes").index!
            let first = EventStreamFollower(c.client, after: start, kind: "node")
            // Half the writes go on while the first connection follows, and it is cut in the
            // middle of them; the other half is written while no connection follows, and while
            // the second one starts.
            let (disconnected, signal) = AsyncStream<Void>.makeStream()
            async let writer: Void = {
                try await withThrowingTaskGroup(of: Void.self) { group in
                    for i in 0..<writes {
                        if i == writes / 2 { for await _ in disconnected { break } }
                        group.addTask { _ = try await c.put("/v1/nodes/n\(i)", nodeBody) }
                        if i % 8 == 7 { try await group.waitForAll() }
                    }
                    try await group.waitForAll()
                }
            }()
            try await eventually("part of the writes arrived") { first.events.count >= writes / 4 }
            await first.stop()
            signal.yield()
            let before = first.items
            guard case .events(let last, _) = try #require(before.last { $0 != .heartbeat }) else { return }
            let second = EventStreamFollower(c.client, lastEventID: last, kind: "node")
            try await writer
            try await eventually("every write arrived") { first.events.count + second.events.count >= writes }
            await second.stop()
            let all = first.events + second.events
            let names = all.map { $0.event["name"] as? String ?? "" }
            #expect(names.count == writes, "nothing repeated")
            #expect(Set(names) == Set((0..<writes).map { "n\($0)" }), "nothing lost")
            #expect(all.map(\.index) == all.map(\.index).sorted(), "in order")
            #expect(all.allSatisfy { $0.event["index"] as? Int == Int($0.index) })
        }
    }

    /// A client whose last id is ahead of the server (its database was restored from a
    /// backup) follows on from the server's index, as /v1/events' `next` would take it.
    @Test func aResumePointAheadOfTheServerFollowsFromNow() async throws {
        try await LiveServer.with { server in
            let follower = EventStreamFollower(server.client.client, lastEventID: 1_000_000)
            try await server.parked()
            let written = try await server.client.put("/v1/nodes/n1", nodeBody)
            try await eventually("the node's event arrived") { follower.events.contains { $0.index == written.index } }
            await follower.stop()
        }
    }

    @Test func aKindFilterSendsOnlyThoseKinds() async throws {
        try await LiveServer.with { server in
            let follower = EventStreamFollower(server.client.client, kind: "service,network")
            try await server.parked()
            _ = try await server.client.put("/v1/nodes/n1", nodeBody)
            let service = try await server.client.put("/v1/services/web", #"{"replicas":0,"template":{"image":"x"}}"#)
            try await eventually("the service's event arrived") { follower.events.contains { $0.event["name"] as? String == "web" } }
            await follower.stop()
            // The node was written first: had it passed the filter, it would be here.
            #expect(follower.events.allSatisfy { $0.event["kind"] as? String == "service" }, "\(follower.events.map(\.event))")
            #expect(follower.events.map(\.index) == [service.index!])
        }
    }

    @Test(arguments: ["kind=nodes", "kind=node,", "node=N1", "after=-1"])
    func badParametersAre400(query: String) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.get("/v1/events/stream?\(query)")
            #expect(reply.status == 400)
            #expect(errorCode(reply) == "invalid_argument")
        }
    }

    @Test func aMalformedLastEventIDIs400NamingIt() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.client.send("GET", "/v1/events/stream", headers: ["Last-Event-ID": "x"])
            #expect(reply.status == 400)
            #expect(errorField(reply) == "Last-Event-ID")
        }
    }

    /// The same access rules as /v1/events: an agent follows its own node's containers or the
    /// kinds its data plane needs; a reader follows everything; no token, nothing.
    @Test func tokensFollowTheStreamAsTheyReadTheFeed() async throws {
        try await LiveServer.with(loops: true, auth: true) { server in
            let admin = server.client
            func issue(_ body: String) async throws -> SpecCheckedClient {
                let secret = try #require(json(try await admin.post("/v1/tokens", body))["secret"] as? String)
                return SpecCheckedClient(client: admin.client.withToken(secret))
            }
            let agent = try await issue(#"{"role":"agent","node":"n1"}"#)
            let reader = try await issue(#"{"role":"reader"}"#)
            let nobody = SpecCheckedClient(client: admin.client.withToken(nil))

            #expect(try await nobody.get("/v1/events/stream").status == 401)
            #expect(try await agent.get("/v1/events/stream").status == 403)
            #expect(try await agent.get("/v1/events/stream?node=n2").status == 403)
            #expect(try await agent.get("/v1/events/stream?kind=container").status == 403)
            #expect(try await agent.get("/v1/events/stream?kind=lease,node").status == 403)

            let body = #"{"image":"x","command":["sleep","1"],"resources":{"cpu":100,"memory":64},"constraints":["node.name==NODE"]}"#
            _ = try await admin.put("/v1/nodes/n1", nodeBody)
            _ = try await admin.put("/v1/nodes/n2", nodeBody)
            let mine = json(try await admin.post("/v1/containers", body.replacingOccurrences(of: "NODE", with: "n1")))["id"] as! String
            let theirs = json(try await admin.post("/v1/containers", body.replacingOccurrences(of: "NODE", with: "n2")))["id"] as! String
            try await eventually("both are placed") {
                let a = json(try await admin.get("/v1/containers/\(mine)"))["node"] as? String
                let b = json(try await admin.get("/v1/containers/\(theirs)"))["node"] as? String
                return a == "n1" && b == "n2"
            }
            let agentContainers = EventStreamFollower(agent.client, node: "n1")
            let agentNodes = EventStreamFollower(agent.client, kind: "node")
            let everything = EventStreamFollower(reader.client)
            try await server.parked(3)
            // Theirs first: had it reached the agent's container stream, it would be there first.
            _ = try await admin.put("/v1/containers/\(theirs)/status", #"{"state":"running"}"#)
            let last = try await admin.put("/v1/containers/\(mine)/status", #"{"state":"running"}"#)
            let beat = try await admin.put("/v1/nodes/n2", nodeBody.replacingOccurrences(of: "192.0.2.10", with: "192.0.2.11"))
            try await eventually("each stream has the last change it shows") {
                agentContainers.events.contains { $0.index == last.index }
                    && agentNodes.events.contains { $0.index == beat.index }
                    && everything.events.contains { $0.index == beat.index }
            }
            for follower in [agentContainers, agentNodes, everything] { await follower.stop() }
            #expect(agentContainers.events.allSatisfy { $0.event["name"] as? String == mine }, "only its own node's container")
            #expect(agentNodes.events.allSatisfy { $0.event["kind"] as? String == "node" })
            let seen = Set(everything.events.compactMap { $0.event["name"] as? String })
            #expect(seen.isSuperset(of: [mine, theirs, "n2"]), "a reader follows everything")
        }
    }

    @Test func aResumePastCompactionGetsTheErrorEventAndTheStreamEnds() async throws {
        var options = StoreOptions()
        options.eventRetention = 10
        try await LiveServer.with(options: options) { server in
            for i in 0..<40 { _ = try await server.client.put("/v1/nodes/n\(i % 3)", nodeBody.replacingOccurrences(of: "192.0.2.10", with: "192.0.2.\(i + 1)")) }
            let gone = try await server.client.get("/v1/events?after=1")
            #expect(gone.status == 410)
            for follower in [EventStreamFollower(server.client.client, after: 1), EventStreamFollower(server.client.client, lastEventID: 1)] {
                guard case .failure(let error) = await follower.finished() else {
                    Issue.record("the stream did not end with an error")
                    continue
                }
                let failure = try #require(error as? APIFailure)
                #expect(failure.code == "compacted")
                #expect(failure.message == errorMessage(gone), "the same words as /v1/events' 410")
                #expect(follower.events.isEmpty)
            }
        }
    }

    @Test func aQuietStreamSendsHeartbeats() async throws {
        try await LiveServer.with(eventStreamHeartbeat: .milliseconds(20)) { server in
            let follower = EventStreamFollower(server.client.client)
            try await eventually("two heartbeats") { follower.heartbeats >= 2 }
            await follower.stop()
            #expect(follower.events.isEmpty)
        }
    }

    /// A client that goes away takes its hub waiter and its place in the long-poll allowance
    /// with it, at once rather than when a heartbeat finds the connection gone (an hour away
    /// here, longer than any wait of the test's).
    @Test func aDisconnectReleasesTheWaiterAndThePlace() async throws {
        try await LiveServer.with(maxWatchesPerClient: 1, eventStreamHeartbeat: .seconds(3600)) { server in
            let follower = EventStreamFollower(server.client.client)
            try await server.parked()
            for path in ["/v1/events/stream", "/v1/events/stream/", "/v1//events/stream"] {
                let second = try await server.client.client.get(path)
                #expect(second.status == 429, "\(path): a stream holds one of its client's long-poll places")
            }
            await follower.stop()
            try await eventually("the waiter is released") { server.store.hub.waiting == server.loops }
            // A blocking read needs a place too: it gets one once the stream has given its back.
            let now = try await server.client.get("/v1/nodes").index!
            try await eventually("the place is given back") {
                try await server.client.get("/v1/nodes?index=\(now)&wait=1ms").status == 200
            }
        }
    }

    /// Graceful shutdown releases the hub's waiters (`WatchReleaseService`): the stream ends
    /// cleanly, and its answer is what the contract says (200, an event stream, X-Berth-Index).
    @Test func shutdownEndsTheStreamCleanly() async throws {
        try await LiveServer.with { server in
            let index = try await server.client.put("/v1/nodes/n1", nodeBody).index!
            async let whole = server.client.get("/v1/events/stream")
            try await server.parked()
            server.store.hub.shutdown()
            let reply = try await whole
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "text/event-stream")
            #expect(reply.index == index)
            #expect(reply.text == "id: \(index)\n\n", "the stream opened at the current index and ended")
        }
    }
}
