import BerthClient
import BerthCore
import BerthTesting
import Foundation
import Testing

/// A periodic job on a real server with a real agent (the `process` driver), created with
/// `berth job create`: `@every 2s` with `forbid` and a command that sleeps longer than the
/// period never has two runs' containers unended at once (replayed from the event feed), and
/// its runs complete; a server stopped for several periods starts one late run, not a storm.
@Suite(.heavy, .serialized) struct PeriodicJobEndToEndTests {
    @Test(.requires("sh", "sleep"))
    func forbidNeverOverlapsAndRunsComplete() async throws {
        let folder = try temporaryFolder()
        let agents = folder.appendingPathComponent("agents").path
        defer {
            killAgentContainers(agents)
            try? FileManager.default.removeItem(at: folder)
        }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path)
        let token = try await server.issueToken(role: "agent", node: "a")
        let agent = try ChildProcess(BerthBinary.path, [
            "agent", "--server", server.url.absoluteString, "--node", "a", "--state-dir", agents,
            "--cpu", "4000", "--memory", "4096", "--heartbeat-interval", "1s",
        ], log: folder.appendingPathComponent("agent.log"), environment: BerthBinary.environment(token: token))
        defer { agent.terminate() }
        try await eventually("the node is ready") {
            items(try await server.client.get("/v1/nodes")).contains { $0["status"] as? String == "ready" }
        }
        func berth(_ arguments: [String]) async throws -> ChildProcess.Finished {
            var arguments = arguments
            arguments.insert(contentsOf: ["--server", server.url.absoluteString], at: arguments.firstIndex(of: "--") ?? arguments.endIndex)
            return try await BerthBinary.run(arguments, token: server.token, timeout: .seconds(60))
        }

        let created = try await berth([
            "job", "create", "tick", "--schedule", "@every 2s", "--concurrency-policy", "forbid", "--image", "sh", "--", "sh", "-c", "sleep 3",
        ])
        #expect(created.status == 0 && created.stdout == "tick\n", "\(created.output)")
        try await eventually("two runs completed", timeout: .seconds(120)) {
            items(try await server.client.get("/v1/jobs?parent=tick")).filter { ($0["status"] as? [String: Any])?["state"] as? String == "complete" }.count >= 2
        }
        let parent = try object(try await server.client.get("/v1/jobs/tick"))
        let status = try #require(parent["status"] as? [String: Any])
        #expect(status["lastScheduleTime"] is String && status["lastSuccessfulTime"] is String, "\(status)")
        let runs = items(try await server.client.get("/v1/jobs?parent=tick"))
        #expect(runs.allSatisfy { ($0["name"] as? String)?.hasPrefix("tick-") == true && $0["parent"] as? String == "tick" })
        let most = try await mostUnendedRuns(server.client, parent: "tick")
        #expect(most == 1, "forbid: never two runs' containers unended at one change index (the most seen: \(most))")

        let list = try await berth(["job", "ls"])
        #expect(list.status == 0 && list.stdout.contains("@every 2s UTC"), "\(list.stdout)")
        let got = try await berth(["job", "get", "tick"])
        #expect(got.status == 0 && got.stdout.contains("schedule @every 2s (UTC), concurrencyPolicy forbid"), "\(got.stdout)")
        #expect(got.stdout.contains("tick-") && got.stdout.contains("complete"), "its runs listed: \(got.stdout)")
        #expect(try await berth(["job", "rm", "tick"]).status == 0)
        #expect(items(try await server.client.get("/v1/jobs")).isEmpty, "deleting the parent deleted its runs")
        #expect(await server.stop() == 0)
    }

    /// A server stopped for several periods of an `@every 1s` job starts one late run when it
    /// comes back, not one per missed time (no agents: the runs stay pending, which is enough).
    @Test func aServerDownForSeveralPeriodsStartsOneLateRun() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        var server = try await ServerProcess(database: db)
        let spec = JobSpec(template: ContainerTemplate(image: "sh", restartPolicy: .never), schedule: try CronSchedule(parsing: "@every 1s"))
        let reply = try await server.client.put("/v1/jobs/tick", json: spec)
        #expect(reply.status == 201, "\(reply.text)")
        try await eventually("a first run") { !items(try await server.client.get("/v1/jobs?parent=tick")).isEmpty }
        #expect(await server.stop() == 0)
        let stopped = Date().timeIntervalSince1970
        try await Task.sleep(for: .seconds(5))  // the outage: several periods pass (pacing, not a wait for a condition)
        let restarted = Date().timeIntervalSince1970
        server = try await ServerProcess(database: db)
        let client = server.client
        func times() async throws -> [Double] {
            items(try await client.get("/v1/jobs?parent=tick")).compactMap { ($0["name"] as? String)?.split(separator: "-").last.flatMap { Double($0) } }
        }
        try await eventually("runs start again") { try await times().contains { $0 > stopped } }
        let all = try await times().sorted()
        let missed = all.filter { $0 > stopped && $0 < restarted - 2 }
        #expect(missed.isEmpty, "no run for the times missed while down (\(stopped)…\(restarted)): \(all)")
        let late = try #require(all.first { $0 > stopped })
        #expect(late >= restarted - 2, "the first run after the outage is for the latest missed time: \(all)")
        #expect(await server.stop() == 0)
    }

    /// The most containers of `parent`'s runs unended after any one change index, from the feed.
    func mostUnendedRuns(_ client: BerthClient, parent: String) async throws -> Int {
        var states: [String: String] = [:]
        var most = 0
        var after: UInt64 = 0
        while true {
            let page = try object(try await client.get("/v1/events?after=\(after)&kind=container&limit=500"))
            let events = page["events"] as? [[String: Any]] ?? []
            var byIndex: [(Int, [[String: Any]])] = []
            for event in events {
                let index = event["index"] as? Int ?? 0
                if byIndex.last?.0 == index { byIndex[byIndex.count - 1].1.append(event) } else { byIndex.append((index, [event])) }
            }
            for (_, group) in byIndex {
                for event in group {
                    guard let object = event["object"] as? [String: Any], (object["job"] as? String)?.hasPrefix(parent + "-") == true,
                          let id = event["name"] as? String
                    else { continue }
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

private func object(_ reply: BerthClient.Reply) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
}
