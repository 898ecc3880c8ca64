import BerthHarness
import Foundation

/// /work/shared/bench/etcd-peer: etcd (one member on 127.0.0.1) under the same wrk load.
enum EtcdPeer {
    /// The script given, else the shared one (absolute, or beside the repository).
    static func locate(explicit: String?, context: BenchContext) -> String? {
        if let explicit { return BenchContext.absolute(explicit) }
        let candidates = [
            "/work/shared/bench/etcd-peer",
            URL(fileURLWithPath: context.repositoryRoot).appendingPathComponent("../shared/bench/etcd-peer").standardized.path,
        ]
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// One etcd-peer run: a fresh etcd, a put run and a range run of `seconds` each.
    static func run(_ script: String, connections: Int, seconds: Int, context: BenchContext, name: String) async throws -> (put: LoadResult, range: LoadResult) {
        let child = try ChildProcess(name: name, executable: script, arguments: [String(connections), String(seconds)], directory: context.scratch)
        // The first run may apt-get install etcd.
        guard let status = await child.wait(timeout: .seconds(2 * seconds + 600)) else {
            await child.stop(grace: .seconds(5))
            throw BenchError("\(name) did not finish")
        }
        // Its exit status is not to be trusted: the EXIT trap's `wait` on the etcd it just killed
        // fails under `set -e`, so a run that printed both lines still exits 143. Its output decides.
        do {
            return try parse(child.output)
        } catch {
            throw BenchError("\(name) failed (exit \(status)): \((child.output + child.errors).suffix(2000))")
        }
    }

    /// Reads `etcd put: N req/s p50 X p99 Y` and `etcd range: …`.
    static func parse(_ text: String) throws -> (put: LoadResult, range: LoadResult) {
        var found: [String: LoadResult] = [:]
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 8, fields[0] == "etcd", fields[3] == "req/s", fields[4] == "p50", fields[6] == "p99",
                  let rps = Double(fields[2]), let p50 = Stats.milliseconds(fields[5]), let p99 = Stats.milliseconds(fields[7])
            else { continue }
            found[String(fields[1].dropLast())] = LoadResult(rps: rps, p50: p50, p99: p99)
        }
        guard let put = found["put"], let range = found["range"] else {
            throw BenchError("cannot read etcd-peer's output:\n\(text.suffix(1500))")
        }
        return (put, range)
    }
}
