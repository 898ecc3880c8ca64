import ArgumentParser
import BerthCore
import BerthHarness
import Foundation

struct APIOptions: ParsableArguments {
    @Option(help: "Seconds of each wrk run.")
    var seconds = 10

    @Option(help: "wrk connections (wrk always runs with -t2, as etcd-peer does).")
    var connections = 64

    @Flag(inversion: .prefixedNo, help: "Also measure etcd with etcd-peer under the same load (default: when etcd-peer is found).")
    var etcd: Bool?

    @Option(help: "The etcd-peer script (default: /work/shared/bench/etcd-peer, or ../shared/bench/etcd-peer beside the repository).")
    var etcdPeer: String?

    func validate() throws {
        guard (1...600).contains(seconds) else { throw ValidationError("--seconds must be from 1 to 600") }
        guard (2...10_000).contains(connections) else { throw ValidationError("--connections must be from 2 to 10000") }
    }
}

/// PUT and GET `/v1/nodes/{name}` under wrk, then etcd's put and range under the same wrk load.
struct APIBenchmark {
    let context: BenchContext
    let options: APIOptions

    static let nodes = 5_000
    /// Room for 32,768 node /24s (the default /16 holds only 256), clear of the 10.96.0.0/16 services.
    static let clusterCIDR = "10.128.0.0/9"

    func run() async throws -> [String] {
        let wrk = try await Wrk.executable()
        let peer = try etcdPeer()
        let runs = context.runs
        say("== api: wrk -t\(Wrk.threads) -c\(options.connections) -d\(options.seconds)s, \(runs) run(s) each")
        await MachineLoad.report()
        var puts: [LoadResult] = []
        var reads: [LoadResult] = []
        try await ServerProcess.with(context, database: "\(context.scratch)/bench.db", clusterCIDR: Self.clusterCIDR, label: "api") { server in
            try await seed(server)
            await server.settle()
            for run in 1...runs {
                let before = try await server.index()
                let cpu = server.cpuSeconds()
                let result = try await Wrk.run(
                    wrk, url: server.url.absoluteString, script: context.script("berth-put.lua"), connections: options.connections,
                    seconds: options.seconds, scriptArguments: ["r\(run)"], context: context, name: "wrk-put-\(run)"
                )
                let usage = Self.cpuUsage(server, since: cpu, result: result, seconds: options.seconds)
                let grown = try await server.index() - before
                say("  run \(run)/\(runs): \(Format.line("berth put", result.load))  [\(checkWrites(result, grown: grown)); \(usage)]")
                puts.append(result.load)
            }
            for run in 1...runs {
                let cpu = server.cpuSeconds()
                let result = try await Wrk.run(
                    wrk, url: "\(server.url)/v1/nodes/node-42", script: context.script("berth-get.lua"),
                    connections: options.connections, seconds: options.seconds, context: context, name: "wrk-get-\(run)"
                )
                let usage = Self.cpuUsage(server, since: cpu, result: result, seconds: options.seconds)
                say("  run \(run)/\(runs): \(Format.line("berth read", result.load))  [\(usage)\(Self.problems(result))]")
                reads.append(result.load)
            }
        }
        let put = Stats.median(puts)
        let read = Stats.median(reads)
        var summary = [
            "\(Format.line("berth put", put)) (median of \(runs))",
            "\(Format.line("berth read", read)) (median of \(runs))",
        ]
        summary.forEach { say($0) }

        if let peer {
            var etcdPuts: [LoadResult] = []
            var ranges: [LoadResult] = []
            for run in 1...runs {
                let result = try await EtcdPeer.run(
                    peer, connections: options.connections, seconds: options.seconds, context: context, name: "etcd-peer-\(run)"
                )
                say("  run \(run)/\(runs): \(Format.line("etcd put", result.put)); \(Format.line("etcd range", result.range))")
                etcdPuts.append(result.put)
                ranges.append(result.range)
            }
            let etcdPut = Stats.median(etcdPuts)
            let range = Stats.median(ranges)
            let lines = [
                "\(Format.line("etcd put", etcdPut)) (median of \(runs))",
                "\(Format.line("etcd range", range)) (median of \(runs))",
                "berth/etcd: put \(Format.ratio(put.rps / etcdPut.rps)) req/s (p99 \(Format.ratio(put.p99 / etcdPut.p99))), "
                    + "read \(Format.ratio(read.rps / range.rps)) req/s (p99 \(Format.ratio(read.p99 / range.p99)))",
            ]
            lines.forEach { say($0) }
            summary += lines
        }
        return summary
    }

    /// etcd-peer's path when the comparison is on; nil when it is off (or off by default because it is missing).
    private func etcdPeer() throws -> String? {
        let found = EtcdPeer.locate(explicit: options.etcdPeer, context: context)
        switch options.etcd {
        case false?:
            return nil
        case true?:
            guard let found, FileManager.default.isExecutableFile(atPath: found) else {
                throw BenchError("--etcd: no etcd-peer script found; pass --etcd-peer PATH")
            }
            return found
        case nil:
            if found == nil { say("(etcd-peer not found: measuring Berth only; pass --etcd-peer PATH to compare)") }
            return found
        }
    }

    /// Registers node-0 … node-4999 (each leasing a /24), so that the PUT runs update and node-42 exists.
    private func seed(_ server: ServerProcess) async throws {
        let start = ContinuousClock.now
        let spec = NodeSpec(
            address: "192.0.2.10", labels: ["zone": "a", "disk": "ssd"], capacity: Resources(cpu: 4000, memory: 8192)
        )
        let client = server.client
        try await withThrowingTaskGroup(of: Void.self) { group in
            let lanes = 16
            for lane in 0..<lanes {
                group.addTask {
                    for i in stride(from: lane, to: Self.nodes, by: lanes) {
                        _ = try client.expectOK(try await client.put("/v1/nodes/node-\(i)", json: spec))
                    }
                }
            }
            try await group.waitForAll()
        }
        let elapsed = (ContinuousClock.now - start) / .seconds(1)
        say("  seeded \(Self.nodes) nodes in \(Format.seconds(elapsed)) s (\(Format.rps(Double(Self.nodes) / elapsed)) registrations/s, 16 clients)")
    }

    /// Every PUT must be a real write: the change index grows by the answered PUTs, plus at most
    /// the ones still in flight when wrk stopped.
    private func checkWrites(_ result: WrkResult, grown: UInt64) -> String {
        var note = "index +\(grown) for \(result.requests) answered PUTs"
        if grown < UInt64(result.requests) {
            note += " — WARNING: some PUTs changed nothing"
        } else if grown > UInt64(result.requests + options.connections) {
            note += " — WARNING: more writes than requests"
        }
        return note + Self.problems(result)
    }

    /// The server's CPU over a run: cores kept busy, and CPU time per answered request.
    static func cpuUsage(_ server: ServerProcess, since start: Double?, result: WrkResult, seconds: Int) -> String {
        guard let start, let end = server.cpuSeconds(), result.requests > 0 else { return "server CPU unknown" }
        let used = end - start
        return String(format: "server %.2f cores, %.0f µs CPU/request", used / Double(seconds), used / Double(result.requests) * 1e6)
    }

    static func problems(_ result: WrkResult) -> String {
        var notes: [String] = []
        if result.non2xx > 0 { notes.append("WARNING: \(result.non2xx) non-2xx answers") }
        if let errors = result.socketErrors { notes.append("WARNING: \(errors)") }
        return notes.isEmpty ? "" : "; " + notes.joined(separator: "; ")
    }
}
