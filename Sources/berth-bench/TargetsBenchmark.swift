import BerthClient
import BerthHarness
import Foundation

/// `berth-bench targets`: at the scale of `schedule` (5,000 nodes, 100,000 containers), the
/// server's resident memory, and how long a status report takes to reach a blocked
/// `/v1/services/{name}/targets` watcher.
enum TargetsBenchmark {
    struct Result {
        var rssMB: Double
        var latenciesMs: [Double]
    }

    static func run(_ context: BenchContext, nodes: Int, services: Int, replicas: Int, rounds: Int) async throws -> Result {
        let folder = URL(fileURLWithPath: context.scratch).appendingPathComponent("targets-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        say("  building \(nodes) nodes and \(services * replicas) placed containers (in process)…")
        _ = try await ScheduleBenchmark.run(nodes: nodes, services: services, replicas: replicas, scaleTo: 100, folder: folder)
        let database = folder.appendingPathComponent("schedule.db").path
        return try await ServerProcess.with(context, database: database, clusterCIDR: "10.0.0.0/8", label: "targets") { server in
            let client = server.client
            // Let the loops make their first passes over the whole cluster before measuring.
            try await Task.sleep(for: .seconds(5))
            let rss = (server.residentBytes() ?? 0) / 1_048_576
            struct List: Decodable { struct Item: Decodable { var id: String; var state: String }; var items: [Item] }
            let burst = try client.expectOK(try await client.get("/v1/containers?service=burst")).decode(List.self).items
            guard let id = burst.first(where: { $0.state == "scheduled" || $0.state == "running" })?.id else {
                throw BenchError("no placed container of service burst to report on")
            }
            _ = try client.expectOK(try await client.send("PUT", "/v1/containers/\(id)/status", body: Data(#"{"state":"running","healthy":false}"#.utf8)))
            var latencies: [Double] = []
            var healthy = false
            for _ in 0..<rounds {
                let index = try client.expectOK(try await client.get("/v1/services/burst/targets")).index ?? 0
                healthy.toggle()
                let body = Data(#"{"state":"running","healthy":\#(healthy)}"#.utf8)
                let clock = ContinuousClock()
                let (stream, continuation) = AsyncStream<ContinuousClock.Instant>.makeStream()
                async let watcher: Void = {
                    let reply = try await client.get("/v1/services/burst/targets?index=\(index)&wait=10s")
                    _ = try client.expectOK(reply)
                    continuation.yield(clock.now)
                    continuation.finish()
                }()
                try await Task.sleep(for: .milliseconds(20))  // let the watcher park
                let sent = clock.now
                _ = try client.expectOK(try await client.send("PUT", "/v1/containers/\(id)/status", body: body))
                try await watcher
                var iterator = stream.makeAsyncIterator()
                if let woke = await iterator.next() { latencies.append(Double((woke - sent) / .microseconds(1)) / 1000) }
            }
            return Result(rssMB: rss, latenciesMs: latencies)
        }
    }
}
