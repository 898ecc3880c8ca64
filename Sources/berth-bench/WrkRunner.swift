import BerthHarness
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What one wrk run reported.
struct WrkResult: Sendable {
    var load: LoadResult
    /// Completed requests (`N requests in 10.00s`).
    var requests: Int
    var non2xx: Int
    var socketErrors: String?
}

/// Runs wrk exactly as etcd-peer does: `wrk -t2 -cC -dSs --latency -s SCRIPT URL`.
enum Wrk {
    static let threads = 2

    /// wrk's path, installing it with apt-get (as etcd-peer does) when it is missing.
    static func executable() async throws -> String {
        if let path = Tools.find("wrk") { return path }
        guard getuid() == 0, let sh = Tools.find("sh"), Tools.find("apt-get") != nil else {
            throw BenchError("wrk is not installed; install it with `sudo apt-get install wrk` (or build it from github.com/wg/wrk)")
        }
        say("installing wrk with apt-get …")
        _ = try await ChildProcess.run(
            sh, ["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk"],
            name: "apt-get-wrk", directory: NSTemporaryDirectory(), timeout: .seconds(600)
        )
        guard let path = Tools.find("wrk") else { throw BenchError("apt-get ran but wrk is still not on PATH") }
        return path
    }

    static func arguments(url: String, script: String, connections: Int, seconds: Int, scriptArguments: [String]) -> [String] {
        var arguments = ["-t\(threads)", "-c\(connections)", "-d\(seconds)s", "--latency", "-s", script, url]
        if !scriptArguments.isEmpty { arguments += ["--"] + scriptArguments }
        return arguments
    }

    static func run(
        _ wrk: String, url: String, script: String, connections: Int, seconds: Int,
        scriptArguments: [String] = [], context: BenchContext, name: String
    ) async throws -> WrkResult {
        let arguments = arguments(url: url, script: script, connections: connections, seconds: seconds, scriptArguments: scriptArguments)
        let output = try await ChildProcess.run(
            wrk, arguments, name: name, directory: context.scratch, timeout: .seconds(seconds + 60)
        )
        return try parse(output)
    }

    /// Starts wrk in the background; `finish` collects its result.
    static func start(
        _ wrk: String, url: String, script: String, connections: Int, seconds: Int,
        scriptArguments: [String] = [], context: BenchContext, name: String
    ) throws -> ChildProcess {
        let arguments = arguments(url: url, script: script, connections: connections, seconds: seconds, scriptArguments: scriptArguments)
        return try ChildProcess(name: name, executable: wrk, arguments: arguments, directory: context.scratch)
    }

    static func finish(_ child: ChildProcess, seconds: Int) async throws -> WrkResult {
        guard let status = await child.wait(timeout: .seconds(seconds + 60)) else {
            await child.stop(grace: .seconds(5))
            throw BenchError("\(child.name) did not finish")
        }
        guard status == 0 else { throw BenchError("\(child.name) failed (exit \(status)): \(child.errors.suffix(2000))") }
        return try parse(child.output)
    }

    /// Reads `Requests/sec`, the `50%` and `99%` latency lines, the request count, non-2xx
    /// answers and socket errors from wrk's report.
    static func parse(_ text: String) throws -> WrkResult {
        var rps: Double?
        var p50: Double?
        var p99: Double?
        var requests = 0
        var non2xx = 0
        var socketErrors: String?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard let first = fields.first else { continue }
            switch first {
            case "Requests/sec:": rps = fields.count > 1 ? Double(fields[1]) : nil
            case "50%": p50 = fields.count > 1 ? Stats.milliseconds(fields[1]) : nil
            case "99%": p99 = fields.count > 1 ? Stats.milliseconds(fields[1]) : nil
            case "Non-2xx": non2xx = Int(fields.last ?? "") ?? 0
            case "Socket": socketErrors = line.trimmingCharacters(in: .whitespaces)
            default:
                if fields.count > 2, fields[1] == "requests", fields[2] == "in" { requests = Int(first) ?? 0 }
            }
        }
        guard let rps, let p50, let p99 else {
            throw BenchError("cannot read wrk's report:\n\(text.suffix(1500))")
        }
        return WrkResult(load: LoadResult(rps: rps, p50: p50, p99: p99), requests: requests, non2xx: non2xx, socketErrors: socketErrors)
    }
}
