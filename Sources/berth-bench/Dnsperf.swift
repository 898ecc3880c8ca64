import BerthHarness
import Foundation

/// One dnsperf run's report.
struct DnsperfResult: Sendable {
    var qps: Double
    var sent: Int
    var lost: Int
    var averageMs: Double
    /// From `-v` runs only: every query's latency, for percentiles.
    var p50Ms: Double?
    var p99Ms: Double?
    var rcodes: String
    /// The server's CPU time per completed query (user + system), in microseconds: the whole
    /// process, and (for Berth) its DNS threads alone.
    var serverCPUMicros: Double?
    var dnsThreadsCPUMicros: Double?
}

/// Runs Debian's dnsperf: `dnsperf -s 127.0.0.1 -p PORT -d FILE -l SECONDS -c CLIENTS -T THREADS -q OUTSTANDING -e`.
enum Dnsperf {
    static func executable() async throws -> String { try await AptTool.path("dnsperf", package: "dnsperf") }

    static func arguments(port: Int, file: String, seconds: Int, clients: Int, threads: Int, outstanding: Int, verbose: Bool, maxQPS: Int?) -> [String] {
        ["-s", "127.0.0.1", "-p", String(port), "-d", file, "-l", String(seconds), "-c", String(clients), "-T", String(threads),
         "-q", String(outstanding), "-e", "-t", "2"] + (verbose ? ["-v"] : []) + (maxQPS.map { ["-Q", String($0)] } ?? [])
    }

    static func run(
        _ dnsperf: String, port: Int, file: String, seconds: Int, clients: Int, threads: Int, outstanding: Int, verbose: Bool,
        context: BenchContext, name: String, maxQPS: Int? = nil
    ) async throws -> DnsperfResult {
        let arguments = arguments(
            port: port, file: file, seconds: seconds, clients: clients, threads: threads, outstanding: outstanding, verbose: verbose, maxQPS: maxQPS)
        let child = try ChildProcess(name: name, executable: dnsperf, arguments: arguments, directory: context.scratch)
        guard let status = await child.wait(timeout: .seconds(seconds + 60)) else {
            await child.stop(grace: .seconds(5))
            throw BenchError("\(name) did not finish")
        }
        guard status == 0 else { throw BenchError("\(name) failed (exit \(status)): \(child.errors.suffix(2000))") }
        var result = try parse(child.output)
        if verbose {
            let latencies = verboseLatencies(child.stdoutPath).sorted()
            if !latencies.isEmpty {
                result.p50Ms = latencies[latencies.count / 2] * 1000
                result.p99Ms = latencies[min(latencies.count - 1, latencies.count * 99 / 100)] * 1000
            }
        }
        return result
    }

    /// The summary dnsperf prints at the end.
    static func parse(_ text: String) throws -> DnsperfResult {
        func value(_ label: String) -> Substring? {
            guard let line = text.split(separator: "\n").first(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(label) }) else { return nil }
            return line.split(separator: ":", maxSplits: 1).last.map { $0.drop { $0 == " " } }
        }
        func number(_ label: String) -> Double? { value(label).flatMap { Double($0.prefix { $0 != " " }) } }
        guard let qps = number("Queries per second"), let sent = number("Queries sent"), let lost = number("Queries lost"),
              let average = number("Average Latency (s)") else {
            throw BenchError("cannot read dnsperf's report: \(text.suffix(1500))")
        }
        return DnsperfResult(
            qps: qps, sent: Int(sent), lost: Int(lost), averageMs: average * 1000, rcodes: value("Response codes").map(String.init) ?? ""
        )
    }

    /// `-v` prints one line per answered query ending in its latency in seconds:
    /// `> NOERROR svc-1.service.berth A 0.000123`.
    static func verboseLatencies(_ path: String) -> [Double] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return [] }
        var latencies: [Double] = []
        for line in text.split(separator: "\n") where line.hasPrefix("> ") {
            if let last = line.split(separator: " ").last, let seconds = Double(last) { latencies.append(seconds) }
        }
        return latencies
    }
}
