import BerthClient
import BerthTesting
import Foundation
import Testing

/// Jobs on a real server with two real agents (the `process` driver), driven by `berth job run`:
/// parallelism holds at every change index of the event feed, a failing job fails after
/// `backoffLimit + 1` failures with exit status 1, and an indexed job runs each index once.
@Suite(.heavy, .serialized) struct JobEndToEndTests {
    @Test(.requires("sh"))
    func jobsRunToCompletionOnRealAgents() async throws {
        let folder = try temporaryFolder()
        let agents = folder.appendingPathComponent("agents").path
        let marks = folder.appendingPathComponent("marks")
        try FileManager.default.createDirectory(at: marks, withIntermediateDirectories: true)
        defer {
            killAgentContainers(agents)
            try? FileManager.default.removeItem(at: folder)
        }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--node-timeout", "30s"])
        var children: [ChildProcess] = []
        defer { for child in children { child.terminate() } }
        for node in ["a", "b"] {
            let token = try await server.issueToken(role: "agent", node: node)
            children.append(try ChildProcess(BerthBinary.path, [
                "agent", "--server", server.url.absoluteString, "--node", node, "--state-dir", agents,
                "--cpu", "4000", "--memory", "4096", "--heartbeat-interval", "1s",
            ], log: folder.appendingPathComponent("agent-\(node).log"), environment: BerthBinary.environment(token: token)))
        }
        try await eventually("both nodes are ready") {
            items(try await server.client.get("/v1/nodes")).filter { $0["status"] as? String == "ready" }.count == 2
        }
        func berth(_ arguments: [String]) async throws -> ChildProcess.Finished {
            var arguments = arguments
            arguments.insert(contentsOf: ["--server", server.url.absoluteString], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
            return try await BerthBinary.run(arguments, token: server.token, timeout: .seconds(180))
        }

        // Five completions, two at a time.
        let batch = try await berth(["job", "run", "batch", "--image", "sh", "--completions", "5", "--parallelism", "2", "--wait", "--", "sh", "-c", "sleep 0.3"])
        #expect(batch.status == 0, "\(batch.output)")
        #expect(batch.stdout.contains("batch: complete, 5/5 succeeded, 0 active, 0 failed"), "\(batch.stdout)")
        let job = try json(try await server.client.get("/v1/jobs/batch"))
        let status = try #require(job["status"] as? [String: Any])
        #expect(status["state"] as? String == "complete" && status["succeeded"] as? Int == 5 && status["failed"] as? Int == 0)
        let ran = items(try await server.client.get("/v1/containers?job=batch"))
        #expect(ran.count == 5 && ran.allSatisfy { $0["state"] as? String == "exited" && $0["exitCode"] as? Int == 0 })
        #expect(ran.allSatisfy { $0["ip"] is NSNull }, "finished containers gave their addresses back")
        // Replayed from the event feed, index by index: never more than two unended at once.
        let most = try await mostUnended(server.client, job: "batch")
        #expect(most == 2, "at most parallelism containers unended at any index (the most seen: \(most))")

        // A command that always fails, with backoffLimit 2: failed after three failures, exit 1.
        let failing = try await berth(["job", "run", "doomed", "--image", "sh", "--backoff-limit", "2", "--retry-delay", "100ms", "--wait", "--", "sh", "-c", "exit 3"])
        #expect(failing.status == 1, "\(failing.output)")
        #expect(failing.stderr == "berth: job doomed failed: backoffLimitExceeded (3 failed)\n", "\(failing.stderr)")
        let doomed = try json(try await server.client.get("/v1/jobs/doomed"))["status"] as? [String: Any]
        #expect(doomed?["state"] as? String == "failed" && doomed?["reason"] as? String == "backoffLimitExceeded" && doomed?["failed"] as? Int == 3)
        let tries = items(try await server.client.get("/v1/containers?job=doomed"))
        #expect(tries.map { $0["exitCode"] as? Int } == [3, 3, 3])
        #expect(tries.map { $0["attempt"] as? Int } == [0, 1, 2])

        // Indexed: each index runs once, to success, and knows its index.
        let indexed = try await berth([
            "job", "run", "shards", "--image", "sh", "--completions", "4", "--parallelism", "3", "--indexed", "--wait", "-o", "json",
            "--", "sh", "-c", "echo ran >> \(marks.path)/index-$BERTH_JOB_INDEX; echo shard $BERTH_JOB_INDEX",
        ])
        #expect(indexed.status == 0, "\(indexed.output)")
        let shards = items(try await server.client.get("/v1/containers?job=shards"))
        #expect(shards.compactMap { $0["jobIndex"] as? Int }.sorted() == [0, 1, 2, 3], "one container per index")
        #expect(shards.allSatisfy { $0["exitCode"] as? Int == 0 })
        for index in 0..<4 {
            let runs = (try? String(contentsOf: marks.appendingPathComponent("index-\(index)"), encoding: .utf8)) ?? ""
            #expect(runs == "ran\n", "index \(index) ran once: \(runs.debugDescription)")
        }
        let logs = try await berth(["job", "logs", "shards", "--agent-dir", agents])
        #expect(logs.status == 0, "\(logs.output)")
        for index in 0..<4 { #expect(logs.stdout.contains("shard \(index)\n"), "\(logs.stdout)") }
        let one = try await berth(["job", "logs", "shards", "--index", "2", "--agent-dir", agents])
        #expect(one.stdout.contains("shard 2\n") && !one.stdout.contains("shard 1\n"), "\(one.stdout)")
        let shardStatus = try json(try await server.client.get("/v1/jobs/shards"))["status"] as? [String: Any]
        #expect(shardStatus?["completedIndexes"] as? String == "0-3")

        // Suspend stops what runs without counting it as failed; resume starts it again.
        #expect(try await berth(["job", "run", "sleeper", "--image", "sh", "--", "sleep", "300"]).status == 0)
        func sleeper() async throws -> (state: String?, failed: Int?, running: Int) {
            let status = try json(try await server.client.get("/v1/jobs/sleeper"))["status"] as? [String: Any]
            let running = items(try await server.client.get("/v1/containers?job=sleeper")).filter { $0["state"] as? String == "running" }.count
            return (status?["state"] as? String, status?["failed"] as? Int, running)
        }
        try await eventually("the sleeper runs") { try await sleeper().running == 1 }
        #expect(try await berth(["job", "suspend", "sleeper"]).status == 0)
        try await eventually("the sleeper is suspended and stopped") {
            let now = try await sleeper()
            return now.state == "suspended" && now.running == 0
        }
        #expect(try await sleeper().failed == 0, "a container the job stopped is not a failure")
        #expect(try await berth(["job", "resume", "sleeper"]).status == 0)
        try await eventually("the sleeper runs again") {
            let now = try await sleeper()
            return now.state == "running" && now.running == 1
        }
        #expect(try await berth(["job", "rm", "sleeper"]).status == 0)

        let list = try await berth(["job", "ls"])
        #expect(list.status == 0 && list.stdout.contains("doomed") && list.stdout.contains("failed (backoffLimitExceeded)"), "\(list.stdout)")
        let removed = try await berth(["job", "rm", "batch"])
        #expect(removed.status == 0)
        #expect(items(try await server.client.get("/v1/containers?job=batch")).isEmpty)
        #expect(await server.stop() == 0)
    }

    /// An agent killed mid-job: its node goes down, its container is lost, counted as a failure
    /// and retried on the node left; the job still completes.
    @Test(.requires("sh", "sleep"))
    func aLostNodesContainerIsRetriedElsewhere() async throws {
        let folder = try temporaryFolder()
        let agents = folder.appendingPathComponent("agents").path
        defer {
            killAgentContainers(agents)
            try? FileManager.default.removeItem(at: folder)
        }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--node-timeout", "5s"])
        var children: [String: ChildProcess] = [:]
        defer { for child in children.values { child.terminate() } }
        for node in ["a", "b"] {
            let token = try await server.issueToken(role: "agent", node: node)
            children[node] = try ChildProcess(BerthBinary.path, [
                "agent", "--server", server.url.absoluteString, "--node", node, "--state-dir", agents,
                "--cpu", "4000", "--memory", "4096", "--heartbeat-interval", "1s",
            ], log: folder.appendingPathComponent("agent-\(node).log"), environment: BerthBinary.environment(token: token))
        }
        try await eventually("both nodes are ready") {
            items(try await server.client.get("/v1/nodes")).filter { $0["status"] as? String == "ready" }.count == 2
        }
        // One container per node, each running long enough for the kill.
        let body = #"{"template":{"image":"sh","command":["sleep","4"]},"completions":2,"parallelism":2,"retryDelay":"100ms","placement":{"maxPerNode":1}}"#
        #expect(try await server.client.send("PUT", "/v1/jobs/sturdy", body: Data(body.utf8)).status == 201)
        try await eventually("both containers run") {
            items(try await server.client.get("/v1/containers?job=sturdy")).filter { $0["state"] as? String == "running" }.count == 2
        }
        // The agent dies (its container, in its own process group, lives on unseen until the
        // test's end): after --node-timeout, node a is down and its container lost.
        await children["a"]?.crash()
        try await eventually("the job completes", timeout: .seconds(90)) {
            (try json(try await server.client.get("/v1/jobs/sturdy"))["status"] as? [String: Any])?["state"] as? String == "complete"
        }
        let status = try json(try await server.client.get("/v1/jobs/sturdy"))["status"] as? [String: Any]
        #expect(status?["succeeded"] as? Int == 2 && status?["failed"] as? Int == 1, "\(status ?? [:])")
        let containers = items(try await server.client.get("/v1/containers?job=sturdy"))
        #expect(containers.contains { $0["state"] as? String == "lost" && $0["node"] as? String == "a" })
        #expect(containers.filter { $0["exitCode"] as? Int == 0 }.allSatisfy { $0["node"] as? String == "b" }, "the retry ran on b")
        #expect(await server.stop() == 0)
    }

    /// The most containers of `job` unended after any one change index, from the whole feed.
    func mostUnended(_ client: BerthClient, job: String) async throws -> Int {
        var states: [String: String] = [:]
        var most = 0
        var after: UInt64 = 0
        while true {
            let page = try json(try await client.get("/v1/events?after=\(after)&kind=container&limit=500"))
            let events = page["events"] as? [[String: Any]] ?? []
            var byIndex: [(Int, [[String: Any]])] = []
            for event in events {
                let index = event["index"] as? Int ?? 0
                if byIndex.last?.0 == index { byIndex[byIndex.count - 1].1.append(event) } else { byIndex.append((index, [event])) }
            }
            for (_, group) in byIndex {
                for event in group {
                    guard let object = event["object"] as? [String: Any], object["job"] as? String == job, let id = event["name"] as? String else { continue }
                    states[id] = event["op"] as? String == "deleted" ? nil : object["state"] as? String
                }
                most = max(most, states.values.filter { !["exited", "failed", "lost"].contains($0) }.count)
            }
            let next = UInt64(page["next"] as? Int ?? 0)
            if events.isEmpty || next <= after { return most }
            after = next
        }
    }
}

private func items(_ reply: BerthClient.Reply) -> [[String: Any]] {
    ((try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
}

private func json(_ reply: BerthClient.Reply) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
}
