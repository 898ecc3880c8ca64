import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// A VIP without a target refuses a connection at once whatever the node's routes (issue 17):
/// the no-target reject runs before the routing decision (prerouting for containers, and the
/// node's own connections have the service range's route through the bridge). On a node with
/// no default route, both got "network unreachable" before.
@Suite(.requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3"))
struct NoTargetRefusalTests {
    @Test func aVIPWithoutTargetsIsRefusedOnANodeWithoutADefaultRoute() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            // Scaled to 0: a VIP with a port and no target.
            try await cluster.deploy("web", try LabCluster.webService(replicas: 1, on: [n1]))
            let vip = try await cluster.vip(of: "web")
            let client = try await cluster.running(try await cluster.run("client", on: n1, command: [LabWeb.busybox, "sleep", "3600"]).id)
            try cluster.lab.ip(n1.namespace, ["route", "del", "default"])
            #expect(!cluster.routes(on: n1).keys.contains("default"), "the node has no default route")
            // The allowed path first: with its target, the VIP answers the container and the node.
            for from in [cluster.namespace(client), n1.namespace] {
                _ = try await HTTPBatch.until("\(from) reaches the VIP", cluster.lab, from: from, vip, port: 80, timeout: .seconds(20)) { batch in
                    batch.allSatisfy { $0.result == .ok }
                }
            }
            try await cluster.scale("web", to: 0)
            try await cluster.waitForTargets("web", count: 0)
            for from in [cluster.namespace(client), n1.namespace] {
                _ = try await HTTPBatch.until("\(from) is refused by the VIP", cluster.lab, from: from, vip, port: 80, timeout: .seconds(20)) { batch in
                    batch.allSatisfy { $0.result != .ok }
                }
                let outcomes = try await HTTPBatch.get(cluster.lab, from: from, vip, port: 80, count: 5, timeout: 3)
                #expect(outcomes.count == 5 && outcomes.allSatisfy { $0.result == .refused }, "\(from) → \(vip): \(outcomes)")
            }
        }
    }
}
