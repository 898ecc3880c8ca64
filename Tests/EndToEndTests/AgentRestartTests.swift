import BerthClient
import Foundation
import Testing

/// Agents carry on through a server restart without losing a container. (Adoption after an
/// agent restart is covered at the driver level by ProcessDriverTests.)
@Suite(.serialized) struct AgentRestartTests {
    @Test func agentsCarryOnThroughAServerRestart() async throws {
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
        defer { real.stop(); simulated.stop() }
        try await eventually("21 nodes are ready") { try await readyNodes(server.client) == 21 }

        _ = try await server.client.send("PUT", "/v1/services/sleepers", body: Data(#"{"replicas":2,"template":{"image":"sh","command":["sleep","300"]},"constraints":["node.labels.kind==real"]}"#.utf8))
        _ = try await server.client.send("PUT", "/v1/services/fleet", body: Data(#"{"replicas":40,"template":{"image":"x","command":["none"],"resources":{"cpu":10,"memory":8}},"constraints":["node.labels.kind==sim"]}"#.utf8))
        try await eventually("all 42 containers run") { try await runningIDs(server.client).count == 42 }
        let before = try await runningIDs(server.client)

        // The server restarts on the same address: agents carry on, nothing is lost.
        #expect(try await server.stop() == 0)
        try await Task.sleep(for: .seconds(1))
        server = try await ServerProcess(database: db, listen: listen, extra: ["--node-timeout", "15s"])
        try await Task.sleep(for: .seconds(3))  // heartbeats resume against the new server
        #expect(try await readyNodes(server.client) == 21, "every node is still ready")
        #expect(try await runningIDs(server.client) == before, "the same 42 containers run after the server restart")
        #expect(try await server.stop() == 0)
    }
}

private func items(_ reply: BerthClient.Reply) -> [[String: Any]] {
    ((try? JSONSerialization.jsonObject(with: reply.body)) as? [String: Any])?["items"] as? [[String: Any]] ?? []
}

private func readyNodes(_ client: BerthClient) async throws -> Int {
    items(try await client.get("/v1/nodes")).filter { $0["status"] as? String == "ready" }.count
}

private func runningIDs(_ client: BerthClient) async throws -> Set<String> {
    Set(items(try await client.get("/v1/containers?state=running")).filter { $0["desiredState"] as? String == "running" }
        .compactMap { $0["id"] as? String })
}
