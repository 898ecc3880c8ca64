import BerthClient
import BerthTesting
import Foundation
import Testing

/// SIGKILL the real server at random moments under a write load, many times. After every
/// restart each acknowledged write is there, the change index has not gone backwards, the file
/// passes `berth check` (integrity, unique IPs, capacity), and at the end the loops converge.
@Suite(.heavy, .serialized) struct CrashSafetyTests {
    static let node = #"{"address":"127.0.0.1","capacity":{"cpu":64000,"memory":65536}}"#
    static let service = #"{"replicas":2,"template":{"image":"x","command":["sleep","1"],"resources":{"cpu":10,"memory":8}}}"#

    /// What a worker saw acknowledged: object path → the index its write committed at.
    typealias Acks = [String: UInt64]

    /// The seed picks the kill moments and which containers the workers report on; a failure
    /// names it (Swift Testing shows a failing case's arguments), and `BERTH_TEST_SEEDS` replays it.
    @Test(arguments: TestSeeds.or([20261125]))
    func killedServerLosesNoAcknowledgedWrite(seed: UInt64) async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        var acked: Acks = [:]
        var highest: UInt64 = 0
        var random = SplitMix64(seed: seed)
        let rounds = 8
        for round in 0..<rounds {
            let server = try await ServerProcess(database: db, extra: ["--node-timeout", "300s"])
            try await verify(server, acked: acked, highest: highest, after: "restart \(round)")
            try await stateAgrees(server, after: "restart \(round)")
            let killAfter = Duration.milliseconds(Int64(200 + random.next() % 1200))
            let results = try await withThrowingTaskGroup(of: Acks.self) { group in
                for worker in 0..<6 {
                    let choices = random.stream(UInt64(round * 6 + worker))
                    group.addTask { await Self.load(server.client, prefix: "r\(round)w\(worker)", choices: choices) }
                }
                try await Task.sleep(for: killAfter)  // the fault's moment, under load: pacing, not a wait for a condition
                await server.crash()
                var all: [Acks] = []
                for try await acks in group { all.append(acks) }
                return all
            }
            for acks in results {
                for (key, index) in acks {
                    acked[key] = max(acked[key] ?? 0, index)
                    highest = max(highest, index)
                }
            }
            let check = try await BerthBinary.run(["check", "--db", db])
            #expect(check.status == 0, "berth check after kill \(round + 1): \(check.stdout) \(check.stderr)")
        }

        let server = try await ServerProcess(database: db, extra: ["--node-timeout", "300s"])
        try await verify(server, acked: acked, highest: highest, after: "the last restart")
        try await eventually("the loops converge: every replica is placed", timeout: .seconds(30)) {
            let pending = try server.client.expectOK(try await server.client.get("/v1/containers?state=pending"))
            return (try JSONSerialization.jsonObject(with: pending.body) as? [String: Any])?["items"].map { ($0 as? [Any])?.isEmpty == true } == true
        }
        try await stateAgrees(server, after: "convergence")
        #expect(await server.stop() == 0)
        let check = try await BerthBinary.run(["check", "--db", db])
        #expect(check.status == 0, "\(check.stdout)")
        #expect(acked.count > 100, "the load got writes acknowledged (\(acked.count))")
        print("crash test: \(rounds) kills, \(acked.count) acknowledged writes, 0 lost (index reached \(highest))")
    }

    /// Every acknowledged object is there at or after its acknowledged index, and the server's
    /// index is not behind any acknowledgement.
    /// The loops' in-memory state, rebuilt by the restarted server from the file, agrees with
    /// the store (checked over the API: `GET /v1/state/check`).
    func stateAgrees(_ server: ServerProcess, after moment: String) async throws {
        var differences: [String] = ["not asked yet"]
        do {
            try await eventually("the in-memory state agrees with the store after \(moment)", timeout: .seconds(30)) {
                let reply = try server.client.expectOK(try await server.client.get("/v1/state/check"))
                differences = (try JSONSerialization.jsonObject(with: reply.body) as? [String: Any])?["differences"] as? [String] ?? ["unreadable"]
                return differences.isEmpty
            }
        } catch {
            Issue.record("after \(moment) the in-memory state differs from the store: \(differences) (\(error))")
        }
    }

    func verify(_ server: ServerProcess, acked: Acks, highest: UInt64, after moment: String) async throws {
        let health = try await server.client.get("/healthz")
        #expect((health.index ?? 0) >= highest, "after \(moment) the change index \(health.index ?? 0) is behind \(highest)")
        var lost: [String] = []
        for (path, index) in acked {
            let reply = try await server.client.get(path)
            let object = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
            let modified = (object?["modifyIndex"] as? NSNumber)?.uint64Value ?? 0
            if reply.status != 200 || modified < index { lost.append("\(path)@\(index) (\(reply.status), modifyIndex \(modified))") }
        }
        #expect(lost.isEmpty, "after \(moment), \(lost.count) acknowledged writes are missing: \(lost.prefix(5))")
    }

    /// One worker's writes until the server dies: nodes, services, and status reports for
    /// containers the scheduler placed. Only 2xx answers count as acknowledged.
    static func load(_ client: BerthClient, prefix: String, choices: SplitMix64) async -> Acks {
        var random = choices
        var acks: Acks = [:]
        var k = 0
        while !Task.isCancelled {
            k += 1
            do {
                let (path, body): (String, String) = switch k % 4 {
                case 0: ("/v1/services/s-\(prefix)-\(k)", service)
                default: ("/v1/nodes/n-\(prefix)-\(k)", node)
                }
                let reply = try await client.send("PUT", path, body: Data(body.utf8))
                if (200..<300).contains(reply.status), let index = reply.index { acks[path] = index }
                if k % 3 == 0 {
                    let placed = try await client.get("/v1/containers?state=scheduled")
                    let items = (try? JSONSerialization.jsonObject(with: placed.body) as? [String: Any])?["items"] as? [[String: Any]] ?? []
                    if let id = random.pick(items)?["id"] as? String {
                        let report = try await client.send("PUT", "/v1/containers/\(id)/status", body: Data(#"{"state":"running"}"#.utf8))
                        if report.status == 200, let index = report.index { acks["/v1/containers/\(id)"] = index }
                    }
                }
            } catch {
                return acks  // the server is gone: this write was never acknowledged
            }
        }
        return acks
    }
}
