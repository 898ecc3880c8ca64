import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// The node's sync reads only its own objects of `ip berth` (`HostNetworkExecutor.readObjects`):
/// drift in them is still found and repaired, while the service proxy's objects, drifted or
/// not, are neither read nor touched (they are `ServiceProxy.verify()`'s to repair).
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct NodeSyncOwnObjectsTests {
    typealias R = ServiceRules
    typealias F = ServiceFixtures

    static func nftCommands(_ report: HostNetwork.SyncReport) -> [String] {
        report.actions.flatMap { action -> [String] in
            if case .nftTransaction(let transaction) = action { return transaction.commands }
            return []
        }
    }

    @Test func syncRepairsItsOwnObjectsAndLeavesTheServicesAlone() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let proxy = lab.proxies[0], network = lab.networks[0], ns = lab.namespace(ofNode: 0)
            try proxy.update(F.policyInput())
            #expect(try network.sync().actions.isEmpty)

            // The node's objects as read: its chains with their rules, its sets with their
            // elements, nothing of the services'.
            let observed = try #require(try network.executor.observe().firewall)
            #expect(observed.chains.keys.filter(R.owns) + observed.sets.keys.filter(R.owns) == [])
            #expect(observed.sets[NodeFirewall.clusterSet]?.elements == [NFTElement(.prefix(ServiceLab.cluster))])
            #expect(observed.chains["nat-postrouting"]?.rules.count == 2)

            // Hand edits of both owners' objects: a foreign host port, the cluster range gone,
            // a chain flushed; and a VIP added to the services' map.
            try lab.lab.exec(ns, ["nft", """
                add element ip berth host-ports { tcp . 9999 : 198.19.0.50 . 80 }; \
                delete element ip berth cluster-nets { \(ServiceLab.cluster) }; \
                flush chain ip berth nat-postrouting; \
                add element ip berth-svc svc-ips { 198.19.130.1 . tcp . 80 : drop }
                """])
            let repair = try network.sync()
            let commands = Self.nftCommands(repair)
            #expect(commands.contains("delete element ip berth host-ports { tcp . 9999 }"), "\(commands)")
            #expect(commands.contains("add element ip berth cluster-nets { \(ServiceLab.cluster) }"), "\(commands)")
            #expect(commands.contains("flush chain ip berth nat-postrouting"), "\(commands)")
            #expect(!commands.contains { $0.contains("svc-") || $0.contains("pol-") || $0.contains("aff-") }, "\(commands)")
            #expect(try network.sync().actions.isEmpty, "repaired in one sync")

            // The service map's drift is still there for the proxy's verify to find and repair.
            let verify = try proxy.verify()
            #expect(verify.repair.commands == ["delete element ip berth-svc svc-ips { 198.19.130.1 . tcp . 80 }"], "\(verify.repair.commands)")
            #expect(try !proxy.verify().drifted)

            // A node set deleted by hand is observed as absent and made again.
            try lab.lab.exec(ns, ["nft", "flush chain ip berth nat-prerouting; flush chain ip berth nat-output; delete map ip berth host-ports"])
            let remade = Self.nftCommands(try network.sync())
            #expect(remade.contains { $0.hasPrefix("add map ip berth host-ports") }, "\(remade)")
            #expect(try network.sync().actions.isEmpty)
            #expect(try !proxy.verify().drifted)
        }
    }
}
