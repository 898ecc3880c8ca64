import ArgumentParser
import Foundation

/// `berth-bench schedule`: placement throughput and scale-up latency (see ScheduleBenchmark).
struct ScheduleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schedule",
        abstract: "Place 100,000 containers from 1,000 services on 5,000 nodes; scale one service 0 → 10,000."
    )

    @Option(help: "Nodes.") var nodes = 5000
    @Option(help: "Services.") var services = 1000
    @Option(help: "Replicas per service.") var replicas = 100
    @Option(help: "Replicas of the burst service.") var scaleTo = 10000
    @Option(help: "Runs (medians are reported).") var runs = 3
    @Option(name: .customLong("mmap-mib"), help: "SQLite's mmap window in MiB (default: the server's).") var mmapMiB: Int?

    func run() async throws {
        var results: [ScheduleBenchmark.Result] = []
        for run in 1...runs {
            let folder = FileManager.default.temporaryDirectory.appendingPathComponent("berth-schedule-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(at: folder) }
            let r = try await ScheduleBenchmark.run(nodes: nodes, services: services, replicas: replicas, scaleTo: scaleTo, mmapBytes: mmapMiB.map { $0 << 20 }, folder: folder)
            results.append(r)
            let latency = r.oneReplicaMillis.sorted()
            print(String(format: "run %d: created %d pending in %.2f s; placed %d in %.2f s (%.0f placements/s); burst 0→%d scheduled in %.2f s; db %.0f MB; RSS %.0f MB (anonymous %.0f MB), after malloc_trim %.0f MB (anonymous %.0f MB)",
                         run, services * replicas, r.createSeconds, r.placed, r.placeSeconds, Double(r.placed) / r.placeSeconds,
                         r.scaled, r.scaleSeconds, Double(r.databaseBytes) / 1e6, r.rssMB, r.anonMB, r.trimmedRssMB, r.trimmedAnonMB))
            print(String(format: "run %d: one replica created → scheduled p50 %.1f ms, p99 %.1f ms (200); restart until scheduling %.2f s; state %.0f B/container; raw SQLite %.0f inserts/s → a placement costs %.1f raw rows, create + place %.1f",
                         run, latency[latency.count / 2], latency[latency.count * 99 / 100], r.restartSeconds, r.stateBytesPerContainer,
                         r.rawInsertsPerSecond, r.rawInsertsPerSecond * r.placeSeconds / Double(max(1, r.placed)),
                         r.rawInsertsPerSecond * (r.placeSeconds + r.createSeconds) / Double(max(1, r.placed))))
        }
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        let rate = median(results.map { Double($0.placed) / $0.placeSeconds })
        print(String(format: "schedule: %d containers on %d nodes: %.0f placements/s (median of %d); burst 0→%d in %.2f s; RSS %.0f MB (after malloc_trim %.0f MB); restart %.2f s",
                     services * replicas, nodes, rate, runs, scaleTo, median(results.map(\.scaleSeconds)), median(results.map(\.rssMB)), median(results.map(\.trimmedRssMB)),
                     median(results.map(\.restartSeconds))))
    }
}
