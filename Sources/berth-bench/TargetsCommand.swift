import ArgumentParser
import Foundation

/// `berth-bench targets`: server RSS at scale and status-report → targets-watcher latency.
struct TargetsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "targets",
        abstract: "Server RSS with 5,000 nodes and 100,000 containers; status change → blocked targets watcher latency."
    )

    @Option(help: "Nodes.") var nodes = 5000
    @Option(help: "Services.") var services = 1000
    @Option(help: "Replicas per service.") var replicas = 100
    @Option(help: "Status changes to time.") var rounds = 200
    @Option(help: "The berth binary (default: next to berth-bench).") var berth: String?
    @Option(help: "The repository's bench/ folder.") var benchDir: String?

    func run() async throws {
        let context = try BenchContext.resolve(berth: berth, benchDir: benchDir, runs: 1)
        defer { context.cleanUp() }
        let result = try await TargetsBenchmark.run(context, nodes: nodes, services: services, replicas: replicas, rounds: rounds)
        let sorted = result.latenciesMs.sorted()
        func percentile(_ p: Double) -> Double { sorted.isEmpty ? 0 : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
        print(String(format: "targets: server RSS %.0f MB with %d nodes and %d containers; status change → targets watcher p50 %.1f ms p99 %.1f ms (%d changes)",
                     result.rssMB, nodes, services * replicas, percentile(0.5), percentile(0.99), sorted.count))
    }
}
