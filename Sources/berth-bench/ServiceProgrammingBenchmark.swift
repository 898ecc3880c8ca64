import BerthCore
import BerthHarness
import BerthNetwork
import Foundation

/// Programming latency: with `services` services of 3 targets each applied on a lab node, one
/// target of one (random) service is replaced and the whole input handed to
/// `ServiceProxy.update`, as the agent's `ServicePlane` does on every batch of changes; the
/// time until it returns is the time until `nft -f` has committed the change in the kernel.
/// Also what the proxy costs with that many services: the full load, RSS, CPU per update in
/// this process and in the `nft` it runs, and a `verify()` (the agent's periodic drift check).
enum ServiceProgrammingBenchmark {
    struct Result {
        var services: Int
        /// update → nft applied, one per change, ms.
        var latencies: [Double]
        /// Of each update, validating and planning (no I/O), ms.
        var planning: [Double]
        /// The first update (a full resync: read the table, diff, apply everything), ms.
        var load: Double
        var loadCommands: Int
        /// CPU of the full load, s: this process and nft.
        var loadCPU: Double
        var loadNftCPU: Double
        /// This process's RSS before the input was built, and with the services programmed, MiB.
        var residentBefore: Double
        var residentAfter: Double
        /// CPU per update over the changes, ms: this process and nft.
        var cpuPerUpdate: Double
        var nftCPUPerUpdate: Double
        /// `verify()`: total and reading the table (`nft -j list`, parse), ms.
        var verify: Double
        var verifyReading: Double

        var p50: Double { Stats.percentile(latencies, 0.5) }
        var p99: Double { Stats.percentile(latencies, 0.99) }
    }

    static func run(_ lab: ServiceBenchLab, services count: Int, changes: Int, seed: UInt64) throws -> Result {
        let before = ProcessFootprint.now()
        let proxy = ServiceProxy(namespace: lab.namespace(ofNode: 0))
        defer { try? proxy.teardown() }
        var input = ServiceRules.Input(services: SyntheticServices.make(count))
        let loadStart = ContinuousClock.now
        let load = try proxy.update(input)
        let loadTime = milliseconds(.now - loadStart)
        let loaded = ProcessFootprint.now()

        var rng = SplitMix64(seed: seed)
        var latencies: [Double] = [], planning: [Double] = []
        for change in 0..<changes {
            let i = Int.random(in: 0..<count, using: &rng), j = Int.random(in: 0..<3, using: &rng)
            input.services[i].ports[0].targets[j].ip = SyntheticServices.replacement(change)
            let start = ContinuousClock.now
            let report = try proxy.update(input)
            latencies.append(milliseconds(.now - start))
            planning.append(milliseconds(report.planning))
            guard !report.fullResync, !report.transaction.isEmpty else {
                throw BenchError("change \(change) was not applied incrementally (full resync: \(report.fullResync), \(report.transaction.commands.count) commands)")
            }
        }
        let changed = ProcessFootprint.now()

        let verifyStart = ContinuousClock.now
        let verify = try proxy.verify()
        let verifyTime = milliseconds(.now - verifyStart)
        if verify.drifted { throw BenchError("verify found drift after the changes: \(verify.repair.commands.prefix(5))") }

        return Result(services: count, latencies: latencies, planning: planning, load: loadTime, loadCommands: load.transaction.commands.count,
                      loadCPU: loaded.cpu - before.cpu, loadNftCPU: loaded.childrenCPU - before.childrenCPU,
                      residentBefore: before.residentMiB, residentAfter: changed.residentMiB,
                      cpuPerUpdate: (changed.cpu - loaded.cpu) * 1000 / Double(changes),
                      nftCPUPerUpdate: (changed.childrenCPU - loaded.childrenCPU) * 1000 / Double(changes),
                      verify: verifyTime, verifyReading: milliseconds(verify.reading))
    }

    static func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
}
