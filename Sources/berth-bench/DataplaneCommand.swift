import ArgumentParser
import BerthHarness
import BerthLab
import Foundation

/// `berth-bench dataplane`: the linux driver and the node network in a lab of network
/// namespaces (release `berth` and `berth-init`; root): container start against a shell
/// floor, iperf3 container to container per backend, convergence with many nodes, and a
/// service scaled 0 → 100.
struct DataplaneCommand: AsyncParsableCommand {
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case start, iperf, floor, isolation, convergence, scale
    }

    static let configuration = CommandConfiguration(
        commandName: "dataplane",
        abstract: "Container start vs a hand-made floor, iperf3 per backend (and vs the same wiring made by hand), 50-node convergence, 0 → 100 replicas (root; a network lab).",
        discussion: "Needs root, iproute2, nftables, busybox-static, iperf3 and util-linux (nsenter, unshare). Everything runs in namespaces named with a per-run prefix and is removed at the end."
    )

    @Option(help: "Run only these parts (repeatable): start, iperf, floor, isolation, convergence, scale.") var only: [Part] = []
    @Option(help: "Container starts to time (and shell-floor starts).") var starts = 100
    @Option(help: "Seconds per iperf3 stream.") var iperfSeconds = 5
    @Option(help: "iperf3 runs per path (the median is reported).") var iperfRuns = 3
    @Option(help: "Nodes (lab namespaces, each with its own agent) for convergence.") var nodes = 50
    @Option(help: "Leave-and-join rounds once all nodes are up.") var rounds = 20
    @Option(help: "The backend convergence runs with: vxlan or host-gw.") var convergenceBackend = "vxlan"
    @Option(help: "Replicas the service is scaled to.") var replicas = 100
    @Option(help: "Seed for which node leaves in each round.") var seed: UInt64 = 11
    @Option(help: "The berth binary (default: next to berth-bench; berth-init must be beside it).") var berth: String?
    @Option(help: "The repository's bench/ folder.") var benchDir: String?

    func validate() throws {
        guard (1...100).contains(starts) else { throw ValidationError("--starts must be from 1 to 100") }
        guard (2...NetworkLab.maxNodes).contains(nodes) else { throw ValidationError("--nodes must be from 2 to \(NetworkLab.maxNodes)") }
        guard ["vxlan", "host-gw"].contains(convergenceBackend) else { throw ValidationError("--convergence-backend must be vxlan or host-gw") }
        guard (1...25).contains(iperfRuns), (1...60).contains(iperfSeconds) else { throw ValidationError("--iperf-runs 1-25, --iperf-seconds 1-60") }
    }

    func run() async throws {
        guard getuid() == 0 else { throw BenchError("berth-bench dataplane needs root (network namespaces, cgroups)") }
        let missing = ["ip", "nft", "bridge", "busybox", "iperf3", "nsenter", "unshare", "timeout", "bash"].filter { Tools.find($0) == nil }
        guard missing.isEmpty else { throw ToolMissing(tools: missing) }
        let context = try BenchContext.resolve(berth: berth, benchDir: benchDir, runs: 1)
        defer { context.cleanUp() }
        let initPath = URL(fileURLWithPath: context.berth).deletingLastPathComponent().appendingPathComponent("berth-init").path
        guard FileManager.default.isExecutableFile(atPath: initPath) else { throw BenchError("no berth-init beside \(context.berth)") }
        let parts = only.isEmpty ? Part.allCases : only
        var summary: [String] = []

        if parts.contains(.start) {
            say("== container start (linux driver, one node)")
            await MachineLoad.report()
            let r = try await DataplaneStartBenchmark.run(context, starts: starts)
            let berthP50 = Stats.percentile(r.berth, 0.5), floorP50 = Stats.percentile(r.floor, 0.5)
            summary.append(String(format: "start: scheduled → running p50 %.1f ms p99 %.1f ms (%d starts); shell floor p50 %.1f ms p99 %.1f ms; p50 %.2fx the floor",
                                  berthP50, Stats.percentile(r.berth, 0.99), r.berth.count, floorP50, Stats.percentile(r.floor, 0.99), berthP50 / floorP50))
            say(summary.last!)
        }
        if parts.contains(.iperf) {
            for backend in ["host-gw", "vxlan"] {
                say("== iperf3 single stream, container to container, \(backend)")
                await MachineLoad.report()
                let r = try await DataplaneIperfBenchmark.run(context, backend: backend, seconds: iperfSeconds, runs: iperfRuns)
                let same = Stats.median(r.sameNode), cross = Stats.median(r.crossNode)
                summary.append(String(format: "iperf3 %@ (MTU %d): same node %.2f Gbit/s, cross node %.2f Gbit/s: %.2f of same node (median of %d back-to-back pairs' ratios; %.2f–%.2f)",
                                      backend, r.mtu, same, cross, Stats.median(r.ratios), iperfRuns, r.ratios.min() ?? 0, r.ratios.max() ?? 0))
                say(summary.last!)
            }
        }
        if parts.contains(.floor) {
            for backend in ["host-gw", "vxlan"] {
                say("== iperf3 through Berth's node network vs the same wiring made by hand, \(backend) (two labs, runs alternating)")
                await MachineLoad.report()
                let r = try await DataplaneFloorBenchmark.run(context, backend: backend, seconds: iperfSeconds, runs: iperfRuns)
                summary.append(String(format: "floor %@: cross node %.2f vs hand-made %.2f Gbit/s, ratio %.3f (median of %d runs' ratios; %.3f–%.3f); same node %.2f vs %.2f Gbit/s, ratio %.3f (%.3f–%.3f)",
                                      backend, Stats.median(r.crossNode.berth), Stats.median(r.crossNode.floor), Stats.median(r.crossRatios), iperfRuns,
                                      r.crossRatios.min() ?? 0, r.crossRatios.max() ?? 0,
                                      Stats.median(r.sameNode.berth), Stats.median(r.sameNode.floor), Stats.median(r.sameRatios),
                                      r.sameRatios.min() ?? 0, r.sameRatios.max() ?? 0))
                say(summary.last!)
            }
        }
        if parts.contains(.isolation) {
            for backend in ["host-gw", "vxlan"] {
                say("== iperf3 with the node's isolation vs without it, \(backend) (two clusters, runs alternating)")
                await MachineLoad.report()
                let r = try await DataplaneIsolationBenchmark.run(context, backend: backend, seconds: iperfSeconds, runs: iperfRuns)
                summary.append(String(format: "isolation %@: same node %.2f vs %.2f Gbit/s, ratio %.3f (median of %d runs' ratios; %.3f–%.3f); cross node %.2f vs %.2f Gbit/s, ratio %.3f (%.3f–%.3f)",
                                      backend, Stats.median(r.sameNode.isolated), Stats.median(r.sameNode.bare), Stats.median(r.sameRatios), iperfRuns,
                                      r.sameRatios.min() ?? 0, r.sameRatios.max() ?? 0,
                                      Stats.median(r.crossNode.isolated), Stats.median(r.crossNode.bare), Stats.median(r.crossRatios),
                                      r.crossRatios.min() ?? 0, r.crossRatios.max() ?? 0))
                say(summary.last!)
            }
        }
        if parts.contains(.convergence) {
            say("== convergence, \(nodes) nodes with real agents (\(convergenceBackend))")
            await MachineLoad.report()
            let r = try await DataplaneConvergenceBenchmark.run(context, nodes: nodes, rounds: rounds, backend: convergenceBackend, seed: seed)
            summary.append(String(format: "convergence %d nodes %@: join → every peer routed p50 %.0f ms p99 %.0f ms (%d rounds; each peer p50 %.0f p99 %.0f ms); while growing 1 → %d p50 %.0f p99 %.0f ms; leave → unrouted everywhere p50 %.0f p99 %.0f ms; agents %.0f MB RSS in all",
                                  r.nodes, r.backend, Stats.percentile(r.joins, 0.5), Stats.percentile(r.joins, 0.99), r.joins.count,
                                  Stats.percentile(r.perPeer, 0.5), Stats.percentile(r.perPeer, 0.99), r.nodes,
                                  Stats.percentile(r.growing, 0.5), Stats.percentile(r.growing, 0.99),
                                  Stats.percentile(r.leaves, 0.5), Stats.percentile(r.leaves, 0.99), r.agentsRSS))
            say(summary.last!)
        }
        if parts.contains(.scale) {
            say("== a service scaled 0 → \(replicas) across 3 nodes")
            await MachineLoad.report()
            let r = try await DataplaneScaleBenchmark.run(context, replicas: replicas)
            summary.append(String(format: "scale 0 → %d on 3 nodes: all running after %.2f s, all answering at their IPs after %.2f s", r.replicas, r.running, r.reachable))
            say(summary.last!)
        }
        say("\n== summary")
        for line in summary { say(line) }
    }
}
