import BerthCore
import BerthLab
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// The nftables layer against the real kernel: a transaction applied in a namespace reads back
/// (through `nft -j` and the parser) as exactly the desired table, across creates and changes.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct NFTLiveTests {
    @Test func appliedTablesReadBackWithoutDiff() throws {
        try RequiredTools.require(["ip", "nft"])
        let lab = try NetworkLab(nodes: 1)
        defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
        let executor = HostNetworkExecutor(namespace: lab.nodes[0].namespace)
        var rng = SplitMix64(seed: 0xbe27)
        var tables = [NFTDiffTests.sample(), NFTDiffTests.sample(ports: [8081, 9000], masqueradeComment: "egress", extraChain: true, policy: .drop)]
        for _ in 0..<20 { tables.append(RandomTable.make(&rng)) }
        tables.append(NFTDiffTests.sample())
        for (step, desired) in tables.enumerated() {
            let before = try executor.readTable("berth")
            let transaction = NFTDiff.transaction(desired: desired, observed: before)
            try executor.apply([.nftTransaction(transaction)])
            let after = try executor.readTable("berth")
            let again = NFTDiff.transaction(desired: desired, observed: after)
            #expect(again.isEmpty, "step \(step): \(transaction.text)\nstill differs: \(again.commands)")
        }
        // Drift: an element deleted and a rule added by hand are both found and repaired.
        let ns = lab.nodes[0].namespace
        try lab.exec(ns, ["nft", "delete element ip berth host-ports { tcp . 8080 }"])
        try lab.exec(ns, ["nft", "add rule ip berth svc-a drop"])
        let drift = NFTDiff.transaction(desired: tables.last!, observed: try executor.readTable("berth"))
        #expect(drift.commands.contains("add element ip berth host-ports { tcp . 8080 : 198.19.1.2 . 80 }"))
        #expect(drift.commands.contains("flush chain ip berth svc-a"))
        try executor.apply([.nftTransaction(drift)])
        #expect(NFTDiff.transaction(desired: tables.last!, observed: try executor.readTable("berth")).isEmpty)

        // A bad transaction changes nothing (nft -f is one kernel transaction).
        let good = try executor.readTable("berth")
        #expect(throws: HostNetworkError.self) {
            try executor.apply([.nftTransaction(NFTTransaction(commands: ["add element ip berth host-ports { tcp . 1 : 198.19.1.2 . 80 }", "add rule ip berth no-such-chain drop"]))])
        }
        #expect(try executor.readTable("berth") == good)
    }
}
