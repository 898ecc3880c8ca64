import Foundation

/// One load run's figures: throughput and latency percentiles in milliseconds.
struct LoadResult: Sendable {
    var rps: Double
    var p50: Double
    var p99: Double
}

enum Stats {
    static func median(_ values: [Double]) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2
    }

    /// The value at quantile `p` (0…1) of `values`, nearest rank; nan when there are none.
    static func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return .nan }
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, max(0, Int((Double(sorted.count) * p).rounded(.up)) - 1))]
    }

    /// Each figure's own median over the runs.
    static func median(_ runs: [LoadResult]) -> LoadResult {
        LoadResult(rps: median(runs.map(\.rps)), p50: median(runs.map(\.p50)), p99: median(runs.map(\.p99)))
    }

    /// A wrk duration such as `812.00us`, `1.25ms`, `2.01s` or `1.50m`, in milliseconds.
    static func milliseconds(_ text: some StringProtocol) -> Double? {
        let units: [(String, Double)] = [("us", 0.001), ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000)]
        for (unit, scale) in units where text.hasSuffix(unit) {
            guard let value = Double(text.dropLast(unit.count)) else { return nil }
            return value * scale
        }
        return nil
    }
}

enum Format {
    /// `berth put: 12345 req/s p50 1.23 ms p99 4.56 ms`
    static func line(_ label: String, _ result: LoadResult) -> String {
        "\(label): \(rps(result.rps)) req/s p50 \(ms(result.p50)) ms p99 \(ms(result.p99)) ms"
    }

    static func rps(_ value: Double) -> String { String(format: "%.0f", value) }
    static func ms(_ value: Double) -> String { String(format: value < 10 ? "%.2f" : "%.1f", value) }
    static func mb(_ bytes: Double) -> String { String(format: "%.1f", bytes / 1_048_576) }
    static func seconds(_ value: Double) -> String { String(format: "%.2f", value) }
    static func ratio(_ value: Double) -> String { String(format: "%.2fx", value) }
}
