import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// Service VIPs end to end (issue 12): the built server and an agent per node in a lab, each
/// agent programming every VIP into its node's nftables from the targets feed, and a client
/// container on a fourth node connecting to the VIP. A replica that turns unhealthy, is killed
/// or is scaled away stops getting new connections; with no replica left the VIP refuses at
/// once; `sourceHash` keeps a client on one target.
///
/// The agents' periodic rule check (`--service-verify-interval`) is set to 10 minutes, longer than
/// any wait here: whatever the VIPs do in time was programmed from the event feed, not repaired by
/// that check. How fast is measured by `berth-bench services` and printed here with a `measured,`
/// prefix, never asserted (the suite runs on a busy two-core machine).
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"), .serialized)
struct ServiceVIPTests {
    /// Serves `/healthz` until a test removes it (through `/proc/PID/root`: /tmp is the
    /// container's own).
    static let healthz = "mkdir -p /tmp/www && echo ok > /tmp/www/healthz"
    static let check = HealthCheck(http: "/healthz", interval: .milliseconds(200), timeout: .milliseconds(500))
    /// No periodic repair within the test: see the suite's comment.
    static let feedOnly = ["--service-verify-interval", "10m"]

    @Test func threeReplicasShareTheVIPAndLeaveItWhenUnhealthyKilledOrScaledAway() async throws {
        try await LabCluster.with(nodes: 4, agentArguments: Self.feedOnly) { cluster in
            let nodes = cluster.lab.nodes
            let replicas = try await cluster.deploy("web", try LabCluster.webService(
                replicas: 3, on: Array(nodes[0..<3]), healthCheck: Self.check, before: Self.healthz
            ))
            #expect(Set(replicas.compactMap(\.node)) == Set(nodes[0..<3].map(\.name)), "one replica on each of three nodes")
            let vip = try await cluster.vip(of: "web")
            let client = try await cluster.running(try await cluster.run("client", on: nodes[3], command: [LabWeb.busybox, "sleep", "3600"]).id)
            let from = cluster.namespace(client)
            let ids = Set(replicas.map(\.id))
            func batch(_ what: String, timeout: Duration = .seconds(60), _ done: ([HTTPBatch.Outcome]) -> Bool) async throws -> [HTTPBatch.Outcome] {
                try await HTTPBatch.until(what, cluster.lab, from: from, vip, port: 80, timeout: timeout, done)
            }

            // All three answer through the VIP from the fourth node (round robin: 30 in a row
            // reach each 10 times, unless something else took a turn).
            _ = try await batch("the VIP reaches all three replicas") { batch in
                Set(batch.compactMap(\.body)) == ids
            }
            let spread = try await HTTPBatch.get(cluster.lab, from: from, vip, port: 80, count: 30)
            print("measured, round robin over 3 replicas, 30 connections: \(HTTPBatch.counts(spread))")
            #expect(spread.count == 30 && spread.allSatisfy { $0.result == .ok })
            #expect(Set(spread.compactMap(\.body)) == ids)

            // Unhealthy: its health check starts failing (it still serves `/`, so a connection
            // the VIP still sent it would show as its id, not as a failure).
            let sick = replicas[0]
            let healthz = "/proc/\(try cluster.process(of: sick))/root/tmp/www/healthz"
            #expect(FileManager.default.fileExists(atPath: healthz))
            let (reported, afterSick) = try await HTTPBatch.during(cluster.lab, from: from, vip, port: 80, folder: cluster.folder) {
                let madeSick = Date()
                try FileManager.default.removeItem(atPath: healthz)
                async let reported = cluster.when(sick.id, "is reported unhealthy") { $0?.healthy == false }
                _ = try await batch("the VIP stops sending new connections to the unhealthy \(sick.id)") { batch in
                    batch.allSatisfy { $0.result == .ok && $0.body != sick.id }
                }
                return (cause: madeSick, at: try await reported)
            }
            try check("unhealthy", reported: reported.at, cause: reported.cause, outcomes: afterSick) { $0.body == sick.id }
            #expect(afterSick.allSatisfy { $0.result == .ok }, "no connection failed while the replica left: \(HTTPBatch.counts(afterSick))")

            // Healthy again: it is back in the rotation.
            try "ok\n".write(toFile: healthz, atomically: false, encoding: .utf8)
            _ = try await batch("the VIP reaches \(sick.id) again once it is healthy") { batch in
                batch.contains { $0.body == sick.id }
            }

            // Killed: its server is SIGKILLed, the container ends; connections to its address
            // would be refused, so none may fail once the VIP has dropped it.
            let killed = replicas[1]
            let (ended, afterKill) = try await HTTPBatch.during(cluster.lab, from: from, vip, port: 80, folder: cluster.folder) {
                let killedAt = Date()
                kill(try cluster.process(of: killed), SIGKILL)
                async let ended = cluster.when(killed.id, "is reported ended (or already replaced and removed)") { $0?.state.isTerminal ?? true }
                _ = try await batch("the VIP stops sending new connections to the killed \(killed.id)") { batch in
                    batch.allSatisfy { $0.result == .ok && $0.body != killed.id }
                }
                return (cause: killedAt, at: try await ended)
            }
            try check("killed", reported: ended.at, cause: ended.cause, outcomes: afterKill) { $0.result != .ok || $0.body == killed.id }

            // Scaled to 0: the VIP has no target, and a connection is refused by the client's
            // node at once rather than left to time out.
            try await cluster.scale("web", to: 0)
            try await cluster.waitForTargets("web", count: 0)
            _ = try await batch("the VIP refuses connections") { batch in
                batch.allSatisfy { $0.result == .refused || $0.result == .unreachable }
            }
            let refused = try await HTTPBatch.get(cluster.lab, from: from, vip, port: 80, count: 10, timeout: 3)
            let times = refused.map(\.milliseconds).sorted()
            print("measured, scaled to 0: connect to the VIP \(Set(refused.map(\.result.rawValue)).sorted()) in \(times.first ?? -1)…\(times.last ?? -1) ms (10 tries, median \(times.isEmpty ? -1 : times[times.count / 2]) ms)")
            #expect(refused.count == 10 && refused.allSatisfy { $0.result == .refused || $0.result == .unreachable }, "\(refused)")
        }
    }

    @Test func sourceHashKeepsAClientOnOneTarget() async throws {
        try await LabCluster.with(nodes: 4) { cluster in
            let nodes = cluster.lab.nodes
            let replicas = try await cluster.deploy("sticky", try LabCluster.webService(
                replicas: 3, on: Array(nodes[0..<3]), loadBalancer: LoadBalancer(algorithm: .sourceHash, affinityTimeout: .seconds(600))
            ))
            let vip = try await cluster.vip(of: "sticky")
            let first = try await cluster.running(try await cluster.run("first", on: nodes[3], command: [LabWeb.busybox, "sleep", "3600"]).id)
            let second = try await cluster.running(try await cluster.run("second", on: nodes[3], command: [LabWeb.busybox, "sleep", "3600"]).id)
            // Every target is programmed on the clients' node before a client is given one.
            let addresses = replicas.compactMap(\.ip)
            try await eventually("\(nodes[3].name) programs all three targets of sticky") {
                let table = cluster.berthTable(on: nodes[3])
                return addresses.count == 3 && addresses.allSatisfy { table.contains($0) }
            }

            let one = try await HTTPBatch.get(cluster.lab, from: cluster.namespace(first), vip, port: 80, count: 20)
            let other = try await HTTPBatch.get(cluster.lab, from: cluster.namespace(second), vip, port: 80, count: 20)
            print("measured, sourceHash: 20 connections from \(first.ip ?? "?"): \(HTTPBatch.counts(one)); from \(second.ip ?? "?"): \(HTTPBatch.counts(other))")
            #expect(one.count == 20 && one.allSatisfy { $0.result == .ok }, "\(HTTPBatch.counts(one))")
            #expect(Set(one.compactMap(\.body)).count == 1, "one client, one target: \(HTTPBatch.counts(one))")
            #expect(other.count == 20 && other.allSatisfy { $0.result == .ok }, "\(HTTPBatch.counts(other))")
            #expect(Set(one.compactMap(\.body)).isSubset(of: Set(replicas.map(\.id))))
        }
    }

    /// A VIP from a node itself (the node's own namespace, where health checks and host
    /// processes live), on the replica's node and on another, and hairpin: the only replica
    /// reaching its own service's VIP is picked as the target and gets through, with the
    /// answer coming back to it (the node masquerades it, so its reply is not short-circuited).
    @Test func theVIPWorksFromNodesAndHairpinsToItsOwnReplica() async throws {
        try await LabCluster.with(nodes: 2) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let replicas = try await cluster.deploy("solo", try LabCluster.webService(replicas: 1, on: [n1]))
            let solo = try #require(replicas.first)
            let vip = try await cluster.vip(of: "solo")
            for node in [n1, n2] {
                try await eventually("\(node.name) itself reaches solo's VIP") { await cluster.http(from: node.namespace, vip, port: 80) == solo.id }
            }
            try await eventually("solo reaches itself through its own VIP") { await cluster.http(from: cluster.namespace(solo), vip, port: 80) == solo.id }
            let seen = await cluster.peer(from: cluster.namespace(solo), vip, port: 80)
            #expect(seen != nil && seen != solo.ip, "a hairpinned connection arrives from the node's gateway, not from itself: \(seen ?? "nil")")
        }
    }

    /// Prints when the last connection of the background probe matching `hit` began relative to
    /// `reported` (when the server's view of the replica changed) and to `cause` (what the test
    /// did): the `measured,` figure of how soon the node stopped sending it new connections. (That none reaches it afterwards is the foreground batch's proof: nine
    /// in a row; the background probe stops with that batch, possibly still inside a connection.)
    private func check(
        _ what: String, reported: Date, cause: Date, outcomes: [HTTPBatch.Outcome],
        hit: (HTTPBatch.Outcome) -> Bool
    ) throws {
        func ms(_ interval: TimeInterval) -> String { String(format: "%.0f ms", interval * 1000) }
        let last = outcomes.last(where: hit)
        let after = outcomes.filter { $0.at > (last?.at ?? cause) }
        print("measured, \(what): caused → reported \(ms(reported.timeIntervalSince(cause)));"
              + " last new connection to it \(last.map { "\(ms($0.at.timeIntervalSince(cause))) after the cause, \(ms($0.at.timeIntervalSince(reported))) after the report" } ?? "before the cause");"
              + " \(outcomes.count) connections (\(after.count) after that, none to it): \(HTTPBatch.counts(outcomes))")
        #expect(outcomes.contains { $0.at < cause && hit($0) }, "\(what): it had new connections before")
    }
}
