import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// The agent keeps its service rules in the kernel (issue 12): rules deleted by hand from its
/// nft table come back at the next check, and a restarted agent adopts the table it finds, so
/// connections to a VIP keep working across a SIGTERM and a new start.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"))
struct ServiceRulesRepairTests {
    /// Short, so a repair is seen in a test; the default is 30 s.
    static let agentArguments = ["--service-verify-interval", "500ms"]

    /// Two `web` replicas on n1 and n2 behind their VIP, and a client container on n3 that
    /// reaches both through it: the replicas, the VIP and the client's namespace.
    static func webBehindVIP(_ cluster: LabCluster) async throws -> (replicas: [Container], vip: String, from: String) {
        let (n1, n2, n3) = (cluster.lab.nodes[0], cluster.lab.nodes[1], cluster.lab.nodes[2])
        let replicas = try await cluster.deploy("web", try LabCluster.webService(replicas: 2, on: [n1, n2]))
        let vip = try await cluster.vip(of: "web")
        let client = try await cluster.running(try await cluster.run("client", on: n3, command: [LabWeb.busybox, "sleep", "3600"]).id)
        let from = cluster.namespace(client)
        _ = try await HTTPBatch.until("the VIP reaches both replicas", cluster.lab, from: from, vip, port: 80, timeout: .seconds(20)) { batch in
            Set(batch.compactMap(\.body)) == Set(replicas.map(\.id))
        }
        return (replicas, vip, from)
    }

    @Test func rulesDeletedByHandAreRestoredByTheNextCheck() async throws {
        try await LabCluster.with(nodes: 3, agentArguments: Self.agentArguments) { cluster in
            let n3 = cluster.lab.nodes[2]
            let (_, vip, from) = try await Self.webBehindVIP(cluster)
            let planned = cluster.berthTable(on: n3)
            #expect(planned.contains(vip))

            // The VIP's dispatch rule and its map elements deleted by hand, in one nft run.
            let handle = try #require(try Self.firstRuleHandle(cluster, n3, chain: "svc-nat-pre"))
            let deleted = Date()
            try cluster.lab.exec(n3.namespace, ["nft", "flush map ip berth-svc svc-ips; delete rule ip berth-svc svc-nat-pre handle \(handle)"])
            var restored = Date()
            try await eventually("the agent restores the service rules on \(n3.name)", timeout: .seconds(60), poll: .milliseconds(20)) {
                guard cluster.berthTable(on: n3) == planned else { return false }
                restored = Date()
                return true
            }
            print("measured, drift: rules deleted → restored \(String(format: "%.0f", restored.timeIntervalSince(deleted) * 1000)) ms (check every 500 ms)")
            // One repair, of this deletion: the checks before and since (every 500 ms, on every
            // node) found the kernel as planned. (The agent logs it just after nft returns.)
            let repaired = "service rules had drifted from the plan"
            try await eventually("\(n3.name)'s agent logs the repair") { cluster.agentLog(n3).contains(repaired) }
            let repairs = cluster.lab.nodes.map { cluster.agentLog($0).components(separatedBy: repaired).count - 1 }
            #expect(repairs == [0, 0, 1], "drift repairs on n1, n2, n3")
            let after = try await HTTPBatch.get(cluster.lab, from: from, vip, port: 80, count: 10)
            #expect(after.count == 10 && after.allSatisfy { $0.result == .ok }, "the VIP works again: \(HTTPBatch.counts(after))")
        }
    }

    @Test func aRestartedAgentAdoptsItsTableWithoutAGap() async throws {
        try await LabCluster.with(nodes: 3, agentArguments: Self.agentArguments) { cluster in
            let (n1, n3) = (cluster.lab.nodes[0], cluster.lab.nodes[2])
            let (replicas, vip, from) = try await Self.webBehindVIP(cluster)

            // Connections every 10 ms while the client's node's agent stops on SIGTERM, starts
            // again, and has shown it follows the services once more.
            var (stopping, stopped) = (Date(), Date())
            let (programmed, outcomes) = try await HTTPBatch.during(cluster.lab, from: from, vip, port: 80, folder: cluster.folder) {
                stopping = Date()
                let status = await cluster.agent(n3)?.stop(grace: .seconds(10))
                #expect(status == 0, "the agent stops cleanly on SIGTERM")
                stopped = Date()
                try cluster.startAgent(n3)
                // A new service's VIP in n3's table: the new agent programs services again.
                try await cluster.deploy("other", try LabCluster.webService(replicas: 1, on: [n1]))
                let otherVIP = try await cluster.vip(of: "other")
                try await eventually("the restarted agent programs a new service on \(n3.name)", timeout: .seconds(30)) {
                    cluster.berthTable(on: n3).contains(otherVIP)
                }
                return Date()
            }

            let during = outcomes.filter { $0.at >= stopping && $0.at <= programmed }
            let gaps = zip(outcomes, outcomes.dropFirst()).map { $1.at.timeIntervalSince($0.at) }
            print("measured, agent restart: stopped in \(String(format: "%.0f", stopped.timeIntervalSince(stopping) * 1000)) ms, restarted → programming again in \(String(format: "%.0f", programmed.timeIntervalSince(stopped) * 1000)) ms; \(outcomes.count) connections (\(during.count) during), longest gap between them \(String(format: "%.0f", (gaps.max() ?? 0) * 1000)) ms: \(HTTPBatch.counts(outcomes))")
            #expect(during.count >= 10, "the probe ran through the restart (\(during.count) connections)")
            #expect(outcomes.allSatisfy { $0.result == .ok }, "no connection failed: \(outcomes.filter { $0.result != .ok })")
            #expect(Set(outcomes.compactMap(\.body)) == Set(replicas.map(\.id)))
        }
    }

    /// The handle of `chain`'s first rule (`nft -a list chain`).
    static func firstRuleHandle(_ cluster: LabCluster, _ node: NetworkLab.Node, chain: String) throws -> Int? {
        let output = try cluster.lab.exec(node.namespace, ["nft", "-a", "list", "chain", "ip", "berth-svc", chain])
        for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") where !line.contains("chain ") {
            if let range = line.range(of: "# handle ") { return Int(line[range.upperBound...].trimmingCharacters(in: .whitespaces)) }
        }
        return nil
    }
}
