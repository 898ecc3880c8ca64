import ArgumentParser
import BerthHarness
import Foundation

/// `berth-bench services`: the service VIP data plane (`ServiceProxy`, the part of the agent's
/// `ServicePlane` that programs nft) in a lab of network namespaces (root): programming latency
/// with few and many services (beside `NFTFloor`, the bare nft change), first-connection
/// latency through a VIP with 10 and 10,000 services, iperf3 through a VIP against straight to
/// its target, what the proxy costs with 10,000 services, and the real `berth agent`
/// programming 10,000 services from a server (its RSS and CPU). Every ratio is of figures
/// measured in the same run.
struct ServicesCommand: AsyncParsableCommand {
    enum Part: String, ExpressibleByArgument, CaseIterable {
        case programming, connect, iperf, agent
    }

    static let configuration = CommandConfiguration(
        commandName: "services",
        abstract: "Service VIPs: programming latency at 1,000 and 10,000 services, first connection via VIP, iperf3 via VIP vs direct, RSS/CPU of the proxy and of a real agent (root; a network lab).",
        discussion: """
        Needs root, iproute2, nftables, python3 and iperf3 (and for `agent` the release berth beside berth-bench). The proxy runs \
        in this process (as in the agent), so its RSS and CPU are this process's and its nft children's; the `agent` part measures \
        a real `berth agent` process. Everything runs in namespaces named with a per-run prefix and is removed at the end, \
        also on failure or interrupt.
        """
    )

    @Option(help: "Run only these parts (repeatable): programming, connect, iperf, agent.") var only: [Part] = []
    @Option(help: "The smaller service count for programming latency.") var small = 1000
    @Option(help: "The larger service count (programming, first connection, iperf).") var large = 10_000
    @Option(help: "Changes timed per programming round (each: one target of one service replaced).") var changes = 200
    @Option(help: "Programming rounds per service count (alternating which count goes first); medians are reported.") var rounds = 3
    @Option(help: "The service count first connections are compared against the large one with.") var few = 10
    @Option(help: "Rounds of first-connection timing per service count.") var connectRounds = 4
    @Option(help: "Connections timed per path in each first-connection round.") var connections = 300
    @Option(help: "iperf3 runs per path (each a back-to-back direct/VIP pair).") var iperfRuns = 3
    @Option(help: "Seconds per iperf3 stream.") var iperfSeconds = 5
    @Option(help: "Seed for which services' targets change.") var seed: UInt64 = 42
    @Option(help: "Seconds the real agent is watched idle with every service programmed.") var agentIdle = 60
    @Option(help: "The berth binary for the agent part (default: next to berth-bench).") var berth: String?
    @Option(help: "The repository's bench/ folder (the agent part resolves the berth binary through it).") var benchDir: String?

    func validate() throws {
        guard 1 <= few, few < small, small < large, large <= 12_000 else { throw ValidationError("need 1 ≤ --few < --small < --large ≤ 12000") }
        guard (20...5000).contains(changes), (1...9).contains(rounds), (1...20).contains(connectRounds) else {
            throw ValidationError("--changes 20-5000, --rounds 1-9, --connect-rounds 1-20")
        }
        guard (10...10_000).contains(connections), (1...25).contains(iperfRuns), (1...60).contains(iperfSeconds) else {
            throw ValidationError("--connections 10-10000, --iperf-runs 1-25, --iperf-seconds 1-60")
        }
    }

    func run() async throws {
        guard getuid() == 0 else { throw BenchError("berth-bench services needs root (network namespaces)") }
        let parts = only.isEmpty ? Part.allCases : only
        let missing = (["ip", "nft", "python3"] + (parts.contains(.iperf) ? ["iperf3"] : [])).filter { Tools.find($0) == nil }
        guard missing.isEmpty else { throw ToolMissing(tools: missing) }
        ChildRegistry.shared.installSignalHandlers()
        var summary: [String] = []

        if parts.contains(.programming) {
            say("== programming latency: one target of one service replaced → nft applied (\(changes) changes × \(rounds) rounds per count)")
            await MachineLoad.report()
            summary += try await ServiceBenchLab.with(nodes: 1) { lab in try programming(lab) }
        }
        if parts.contains(.connect) {
            say("== first connection through a VIP, \(few) and \(large) services (\(connections) connects per path and round)")
            await MachineLoad.report()
            summary += try await ServiceBenchLab.with(nodes: 1) { lab in try connect(lab) }
        }
        if parts.contains(.iperf) {
            say("== iperf3 through a VIP vs straight to the target, \(large) services programmed")
            await MachineLoad.report()
            summary += try await ServiceBenchLab.with(nodes: 2) { lab in try await iperf(lab) }
        }
        if parts.contains(.agent) {
            say("== the real berth agent with \(large) services of 3 running replicas")
            await MachineLoad.report()
            let context = try BenchContext.resolve(berth: berth, benchDir: benchDir, runs: 1)
            defer { context.cleanUp() }
            let r = try await ServiceAgentBenchmark.run(context, services: large, replicas: 3, idle: .seconds(agentIdle))
            summary.append(String(format: "berth agent with %d services: all programmed %.1f s after it started (the server's list alone takes %.1f s), the agent using %.2f s CPU + %.2f s in its children; RSS %.1f MiB; idle with all programmed %.2f%% of a CPU (%.2f s + children %.2f s over %.0f s: heartbeats, syncs, verify every 30 s)",
                                  r.services, r.programmed, r.listSeconds, r.cpu, r.childrenCPU, r.residentMiB,
                                  (r.idleCPU + r.idleChildrenCPU) / r.idleSeconds * 100, r.idleCPU, r.idleChildrenCPU, r.idleSeconds))
            say(summary.last!)
        }
        say("\n== summary")
        for line in summary { say(line) }
    }

    private func programming(_ lab: ServiceBenchLab) throws -> [String] {
        var results: [Int: [ServiceProgrammingBenchmark.Result]] = [:]
        var floor: [Double] = []
        for round in 0..<rounds {
            let floorRound = try NFTFloor.run(namespace: lab.namespace(ofNode: 0), changes: changes)
            floor += floorRound
            say(String(format: "  round %d, floor (bare nft -f replacing one element of a one-element map): p50 %.2f ms p99 %.2f ms",
                       round + 1, Stats.percentile(floorRound, 0.5), Stats.percentile(floorRound, 0.99)))
            // The large count first in the first round: its RSS is then measured from a process
            // that has not yet held another plan.
            for count in round % 2 == 0 ? [large, small] : [small, large] {
                let r = try ServiceProgrammingBenchmark.run(lab, services: count, changes: changes, seed: seed + UInt64(round))
                results[count, default: []].append(r)
                say(String(format: "  round %d, %d services: p50 %.2f ms p99 %.2f ms (planning p50 %.2f ms); full load %.0f ms (%d commands); CPU per update %.2f ms + nft %.2f ms; verify %.0f ms (reading %.0f ms); RSS %.1f → %.1f MiB",
                           round + 1, count, r.p50, r.p99, Stats.percentile(r.planning, 0.5), r.load, r.loadCommands,
                           r.cpuPerUpdate, r.nftCPUPerUpdate, r.verify, r.verifyReading, r.residentBefore, r.residentAfter))
            }
        }
        var lines: [String] = []
        func medianOf(_ count: Int, _ figure: (ServiceProgrammingBenchmark.Result) -> Double) -> Double { Stats.median(results[count]!.map(figure)) }
        for count in [small, large] {
            lines.append(String(format: "programming %d services: update → nft applied p50 %.2f ms, p99 %.2f ms (medians of %d rounds of %d changes; pooled p99 %.2f ms); planning p50 %.2f ms",
                                count, medianOf(count, \.p50), medianOf(count, \.p99), rounds, changes,
                                Stats.percentile(results[count]!.flatMap(\.latencies), 0.99), medianOf(count) { Stats.percentile($0.planning, 0.5) }))
        }
        lines.append(String(format: "floor, a bare nft -f replacing one map element the same way: p50 %.2f ms, p99 %.2f ms (all %d)",
                            Stats.percentile(floor, 0.5), Stats.percentile(floor, 0.99), floor.count))
        let p99Large = medianOf(large, \.p99), p99Small = medianOf(small, \.p99)
        lines.append(String(format: "programming p99 at %d: %.2f ms, goal < 50 ms: %@; p99 %d / %d services: %.2fx, goal ≤ 2x: %@",
                            large, p99Large, p99Large < 50 ? "met" : "MISSED", large, small, p99Large / p99Small, p99Large / p99Small <= 2 ? "met" : "MISSED"))
        let first = results[large]![0]
        lines.append(String(format: "footprint with %d services programmed (the proxy in this process): RSS %.1f MiB (+%.1f MiB over the %.1f MiB before the input was built); full load %.0f ms, CPU %.2f s + nft %.2f s; per update CPU %.2f ms + nft %.2f ms; verify %.0f ms (median)",
                            large, first.residentAfter, first.residentAfter - first.residentBefore, first.residentBefore, medianOf(large, \.load),
                            first.loadCPU, first.loadNftCPU, medianOf(large, \.cpuPerUpdate), medianOf(large, \.nftCPUPerUpdate), medianOf(large, \.verify)))
        for line in lines { say(line) }
        return lines
    }

    private func connect(_ lab: ServiceBenchLab) throws -> [String] {
        let samples = try ServiceConnectBenchmark.run(lab, sizes: [few, large], rounds: connectRounds, connections: connections)
        func median(_ count: Int, _ figure: (ServiceConnectBenchmark.Sample) -> Double) -> Double {
            Stats.median(samples.filter { $0.services == count }.map(figure))
        }
        let (viaFew, viaLarge) = (median(few) { $0.viaVIP.median }, median(large) { $0.viaVIP.median })
        let (directFew, directLarge) = (median(few) { $0.direct.median }, median(large) { $0.direct.median })
        let ratio = viaLarge / viaFew
        let line = String(format: "first connection via VIP: %d services %.1f µs, %d services %.1f µs: %.2fx, goal ≤ 1.2x: %@ (direct %.1f / %.1f µs; medians of %d rounds' medians)",
                          few, viaFew, large, viaLarge, ratio, ratio <= 1.2 ? "met" : "MISSED", directFew, directLarge, connectRounds)
        say(line)
        return [line]
    }

    private func iperf(_ lab: ServiceBenchLab) async throws -> [String] {
        let paths = try await ServiceIperfBenchmark.run(lab, services: large, seconds: iperfSeconds, runs: iperfRuns)
        return paths.map { path in
            let ratio = Stats.median(path.ratios)
            let line = String(format: "iperf3 %@: direct %.2f Gbit/s, via VIP %.2f Gbit/s: %.2f of direct, goal ≥ 0.95: %@ (median of %d back-to-back pairs' ratios; %.2f–%.2f)",
                              path.label, Stats.median(path.direct), Stats.median(path.viaVIP), ratio, ratio >= 0.95 ? "met" : "MISSED",
                              iperfRuns, path.ratios.min() ?? 0, path.ratios.max() ?? 0)
            say(line)
            return line
        }
    }
}
