import BerthClient
import BerthTesting
import Foundation
import Testing

/// Agents carry on through a server restart without losing a container, a restarted agent
/// adopts the containers that kept running, and one agent process plays 1,000 nodes.
@Suite(.heavy, .serialized) struct AgentRestartTests {
    @Test(.requires("sleep"))
    func aRestartedAgentAdoptsTheContainersThatKeptRunning() async throws {
        let folder = try temporaryFolder()
        let agents = folder.appendingPathComponent("agents").path
        defer {
            killAgentContainers(agents)
            try? FileManager.default.removeItem(at: folder)
        }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--node-timeout", "15s"])
        let token = try await server.issueToken(role: "agent", node: "real")
        func agent(_ log: String) throws -> ChildProcess {
            try ChildProcess(BerthBinary.path, ["agent", "--server", server.url.absoluteString, "--node", "real", "--state-dir", agents,
                                                "--cpu", "8000", "--memory", "8192", "--heartbeat-interval", "1s"],
                             log: folder.appendingPathComponent(log), environment: BerthBinary.environment(token: token))
        }
        var first = try agent("agent-1.log")
        defer { first.terminate() }
        try await eventually("the node is ready") { try await readyNodes(server.client) == 1 }
        _ = try await server.client.send("PUT", "/v1/services/sleepers", body: Data(#"{"replicas":3,"template":{"image":"sh","command":["sleep","300"]}}"#.utf8))
        try await eventually("3 containers run") { try await runningIDs(server.client).count == 3 }
        let before = try await runningIDs(server.client)
        let modified = try await modifyIndexes(server.client)

        // The agent dies (SIGKILL: no goodbye); its containers, in their own process groups, live on.
        await first.crash()
        first = try agent("agent-2.log")
        // Adopted, not restarted: the same containers run, and the server is told so.
        var reported: [String: Int] = [:]
        try await eventually("the restarted agent reports the adopted containers") {
            reported = try await modifyIndexes(server.client)
            return before.allSatisfy { (reported[$0] ?? 0) > (modified[$0] ?? 0) }
        }
        // One heartbeat later the agent is past the pass that reported them (and would have
        // stopped, or had replaced, any it did not adopt).
        let adoptedAt = before.compactMap { reported[$0] }.max() ?? 0
        try await eventually("the restarted agent heartbeats after adopting") {
            try await nodeIndexes(server.client)["real"] ?? 0 > adoptedAt
        }
        #expect(try await runningIDs(server.client) == before, "the same three containers run; none was replaced")
        let log = (try? String(contentsOf: folder.appendingPathComponent("agent-2.log"), encoding: .utf8)) ?? ""
        #expect(log.contains("adopted running containers"), "\(log.suffix(2000))")
        #expect(!log.contains("cleaned up"), "nothing was stopped: \(log.suffix(2000))")
        #expect(await server.stop() == 0)
    }

    @Test func oneAgentPlaysAThousandSimulatedNodes() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        // 1,000 nodes need 1,000 /24 subnets: a /12 cluster network (the default /16 has 256).
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path, extra: ["--cluster-cidr", "10.64.0.0/12"])
        let simulator = try ChildProcess(BerthBinary.path, [
            "agent", "--server", server.url.absoluteString, "--node", "sim", "--driver", "simulated", "--simulate-nodes", "1000",
            "--cpu", "4000", "--memory", "8192", "--heartbeat-interval", "3s", "--state-dir", folder.appendingPathComponent("agents").path,
        ], log: folder.appendingPathComponent("sim.log"), environment: server.environment)
        defer { simulator.terminate() }
        // Waits sized for a loaded 2-core machine (a debug server placing 2,000 replicas beside
        // other suites); each returns as soon as its condition holds.
        try await eventually("1,000 nodes are ready", timeout: .seconds(300)) { try await readyNodes(server.client) == 1000 }
        _ = try await server.client.send("PUT", "/v1/services/fleet", body: Data(#"{"replicas":2000,"template":{"image":"x","resources":{"cpu":100,"memory":64}},"placement":{"maxPerNode":2}}"#.utf8))
        try await eventually("2,000 replicas run on the simulated nodes", timeout: .seconds(300)) {
            try await runningIDs(server.client).count == 2000
        }
        // Every node heartbeats again after that (not: a few seconds pass, which the node
        // timeout would outlast without any heartbeat), and all are ready.
        let beats = try await lastHeartbeats(server.client)
        try await eventually("every simulated node heartbeats again", timeout: .seconds(300)) {
            let now = try await lastHeartbeats(server.client)
            return beats.allSatisfy { now[$0.key] != $0.value }
        }
        #expect(try await readyNodes(server.client) == 1000, "heartbeats keep every node ready")
        #expect(await server.stop() == 0)
    }

    @Test(.requires("sleep"))
    func agentsCarryOnThroughAServerRestart() async throws {
        let folder = try temporaryFolder()
        let agents = folder.appendingPathComponent("agents").path
        defer {
            killAgentContainers(agents)
            try? FileManager.default.removeItem(at: folder)
        }
        let db = folder.appendingPathComponent("berth.db").path
        let listen = "127.0.0.1:\(freePort())"
        var server = try await ServerProcess(database: db, listen: listen, extra: ["--node-timeout", "15s"])
        let url = server.url.absoluteString
        func agent(_ name: String, token: String?, _ extra: [String]) throws -> ChildProcess {
            try ChildProcess(BerthBinary.path, ["agent", "--server", url, "--node", name, "--state-dir", agents,
                                                "--cpu", "8000", "--memory", "8192", "--heartbeat-interval", "1s"] + extra,
                             log: folder.appendingPathComponent("agent-\(name).log"), environment: BerthBinary.environment(token: token))
        }
        // One real node (process driver, its own agent token) and 20 simulated ones played by
        // one agent process (which needs the admin token: an agent token is for one node).
        let real = try agent("real", token: try await server.issueToken(role: "agent", node: "real"), ["--labels", "kind=real"])
        let simulated = try agent("sim", token: server.token, ["--driver", "simulated", "--simulate-nodes", "20", "--labels", "kind=sim"])
        defer { real.terminate(); simulated.terminate() }
        try await eventually("21 nodes are ready") { try await readyNodes(server.client) == 21 }

        _ = try await server.client.send("PUT", "/v1/services/sleepers", body: Data(#"{"replicas":2,"template":{"image":"sh","command":["sleep","300"]},"constraints":["node.labels.kind==real"]}"#.utf8))
        _ = try await server.client.send("PUT", "/v1/services/fleet", body: Data(#"{"replicas":40,"template":{"image":"x","command":["none"],"resources":{"cpu":10,"memory":8}},"constraints":["node.labels.kind==sim"]}"#.utf8))
        try await eventually("all 42 containers run") { try await runningIDs(server.client).count == 42 }
        let before = try await runningIDs(server.client)

        // The server restarts on the same address: agents carry on, nothing is lost. Both
        // agents notice it gone before it is back.
        #expect(await server.stop() == 0)
        try await eventually("both agents notice the server is gone") {
            [real, simulated].allSatisfy { $0.output.contains("cannot follow the server") }
        }
        server = try await ServerProcess(database: db, listen: listen, extra: ["--node-timeout", "15s"])
        let beats = try await lastHeartbeats(server.client)
        try await eventually("heartbeats resume against the new server") {
            let now = try await lastHeartbeats(server.client)
            return beats.count == 21 && beats.allSatisfy { now[$0.key] != $0.value }
        }
        #expect(try await readyNodes(server.client) == 21, "every node is still ready")
        #expect(try await runningIDs(server.client) == before, "the same 42 containers run after the server restart")
        #expect(await server.stop() == 0)
    }
}

private func items(_ reply: BerthClient.Reply) -> [[String: Any]] {
    ((try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
}

private func readyNodes(_ client: BerthClient) async throws -> Int {
    // A page of up to 5,000 holds them all (the default page is 1,000).
    items(try await client.get("/v1/nodes?limit=5000")).filter { $0["status"] as? String == "ready" }.count
}

private func runningIDs(_ client: BerthClient) async throws -> Set<String> {
    Set(items(try await client.get("/v1/containers?state=running&limit=5000")).filter { $0["desiredState"] as? String == "running" }
        .compactMap { $0["id"] as? String })
}

/// Each node's `lastHeartbeat` as the server shows it.
private func lastHeartbeats(_ client: BerthClient) async throws -> [String: String] {
    var out: [String: String] = [:]
    for item in items(try await client.get("/v1/nodes")) {
        if let name = item["name"] as? String { out[name] = item["lastHeartbeat"].map { "\($0)" } ?? "" }
    }
    return out
}

private func nodeIndexes(_ client: BerthClient) async throws -> [String: Int] {
    var out: [String: Int] = [:]
    for item in items(try await client.get("/v1/nodes")) {
        if let name = item["name"] as? String, let index = item["modifyIndex"] as? Int { out[name] = index }
    }
    return out
}

private func modifyIndexes(_ client: BerthClient) async throws -> [String: Int] {
    var out: [String: Int] = [:]
    for item in items(try await client.get("/v1/containers?limit=5000")) {
        if let id = item["id"] as? String, let index = item["modifyIndex"] as? Int { out[id] = index }
    }
    return out
}
