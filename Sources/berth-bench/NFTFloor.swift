import BerthNetwork
import Foundation

/// The floor under programming latency: the same kind of change (one map element replaced) as
/// a bare `nft -f` transaction run the way `ServiceProxy` runs it (`ip netns exec NODE nft -f -`),
/// on a one-element map in a table of its own. Deleting an element makes the kernel's commit
/// wait (far longer than nft's own CPU), whatever the size of the table, so this is what no
/// planner can go below.
enum NFTFloor {
    static func run(namespace: String, changes: Int) throws -> [Double] {
        let executor = HostNetworkExecutor(namespace: namespace)
        try apply(executor, ["add table ip bench-floor",
                             "add map ip bench-floor vips { type ipv4_addr . inet_proto . inet_service : ipv4_addr . inet_service; }",
                             "add element ip bench-floor vips { 198.19.128.9 . tcp . 80 : \(SyntheticServices.replacement(0)) . 8080 }"])
        defer { try? apply(executor, ["delete table ip bench-floor"]) }
        var latencies: [Double] = []
        for change in 1...changes {
            let start = ContinuousClock.now
            try apply(executor, ["delete element ip bench-floor vips { 198.19.128.9 . tcp . 80 }",
                                 "add element ip bench-floor vips { 198.19.128.9 . tcp . 80 : \(SyntheticServices.replacement(change)) . 8080 }"])
            latencies.append(ServiceProgrammingBenchmark.milliseconds(.now - start))
        }
        return latencies
    }

    private static func apply(_ executor: HostNetworkExecutor, _ commands: [String]) throws {
        try executor.apply([.nftTransaction(NFTTransaction(commands: commands))])
    }
}
