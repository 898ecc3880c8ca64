import BerthHarness
import Foundation

/// `berth-bench dns --mix plain-a`: plain A queries for service names, Berth against unbound,
/// as a new user would try it.
///
/// 1. `services` services (default 1,000) with `replicas` running replicas each, built in
///    process (`DNSFixture`), served by `berth serve --dns 127.0.0.1:0 --dns-threads T` with
///    its default DNS limits (`--dns-rate-limit` on; dnsperf on 127.0.0.1 is exempt as
///    loopback, as the cluster's nodes are).
/// 2. unbound with `num-threads: T` and the same zone as `local-data`.
/// 3. dnsperf (`-c 4 -T 2` by default in this mode) with only `NAME.service.berth A` queries,
///    Berth and unbound alternately, `runs` times (a run that lost queries is repeated at 90%
///    of its rate), then once more each with `-v` for p50/p99. Medians and their ratio.
extension DNSBenchmark.Options {
    /// The defaults of `--mix plain-a`.
    static var plainA: Self {
        var options = Self()
        options.nodes = 10
        options.services = 1000
        options.replicas = 1
        options.dnsperfThreads = 2
        return options
    }
}

extension DNSBenchmark {
    func runPlainA() async throws -> [String] {
        await MachineLoad.report()
        let dnsperf = try await Dnsperf.executable()
        let database = options.database ?? "\(context.scratch)/dns-plain-a.db"
        let fixture: DNSFixture.Built
        if options.database != nil, FileManager.default.fileExists(atPath: database) {
            fixture = try await DNSFixture.load(path: database)
            say("  reusing \(database): \(fixture.services.count) services, \(fixture.containers.count) containers with addresses")
        } else {
            say("  building \(options.services) services × \(options.replicas) running replicas on \(options.nodes) nodes (in process)…")
            fixture = try await DNSFixture.build(path: database, nodes: options.nodes, services: options.services, replicas: options.replicas)
            say("  built in \(Format.seconds(fixture.seconds)) s: \(fixture.services.count) services, \(fixture.containers.count) containers with addresses")
        }
        let names = fixture.services.map(\.service).filter { $0 != "fresh" }
        let queryFile = try writePlainAQueries(names)
        say("  queries: \(options.queries) plain A lines over \(names.count) service names")

        // The server as deployed: its DNS rate limit at the default, not turned off.
        let dnsArguments = ["--dns", "127.0.0.1:0", "--dns-threads", String(options.threads)]
        return try await ServerProcess.with(context, database: database, clusterCIDR: DNSFixture.clusterCIDR, extra: dnsArguments, label: "dns-plain-a") { server in
            let settled = await server.settle()
            guard let port = server.dnsPort else { throw BenchError("the server printed no `berth dns on` line: \(server.child.output)") }
            say("  server settled in \(Format.seconds(settled)) s; DNS on 127.0.0.1:\(port) with the default --dns-rate-limit (loopback exempt: dnsperf on 127.0.0.1 is not limited, as a cluster's nodes are not)")
            try checkPlainA(port: port, fixture)

            var unbound: UnboundPeer?
            if options.unbound {
                unbound = try await UnboundPeer.start(context, fixture: fixture, threads: options.threads, ttl: 5)
                say("  unbound \(options.threads) thread(s) on 127.0.0.1:\(unbound!.port), the same zone as local-data")
            }
            do {
                let summary = try await measurePlainA(server, port: port, unbound: unbound, queryFile: queryFile, dnsperf: dnsperf, names: names.count)
                await unbound?.stop()
                return summary
            } catch {
                await unbound?.stop()
                throw error
            }
        }
    }

    private func measurePlainA(
        _ server: ServerProcess, port: Int, unbound: UnboundPeer?, queryFile: String, dnsperf: String, names: Int
    ) async throws -> [String] {
        let targets = [berthTarget(server, port: port)] + (unbound.map { [Self.unboundTarget($0)] } ?? [])
        let (runs, latency) = try await alternate(targets, dnsperf: dnsperf, queryFile: queryFile, prefix: "dnsperf-plain-a")

        let setup = "\(names) service names, dnsperf -c \(options.clients) -T \(options.dnsperfThreads) -q \(options.outstanding), \(options.threads) server thread(s) each"
        var summary: [String] = []
        let berthRuns = runs["berth"] ?? []
        let berthQPS = Stats.median(berthRuns.map(\.qps))
        summary.append("dns plain-a berth: \(Format.rps(berthQPS)) qps (median of \(berthRuns.count); lost \(berthRuns.map(\.lost))) avg \(String(format: "%.3f", Stats.median(berthRuns.map(\.averageMs)))) ms, server CPU \(String(format: "%.2f", Stats.median(berthRuns.compactMap(\.serverCPUMicros)))) µs/query (DNS threads \(String(format: "%.2f", Stats.median(berthRuns.compactMap(\.dnsThreadsCPUMicros)))))"
            + latencyLine(latency["berth"] ?? []))
        if let unboundRuns = runs["unbound"], !unboundRuns.isEmpty {
            let unboundQPS = Stats.median(unboundRuns.map(\.qps))
            summary.append("dns plain-a unbound: \(Format.rps(unboundQPS)) qps (median of \(unboundRuns.count); lost \(unboundRuns.map(\.lost))) avg \(String(format: "%.3f", Stats.median(unboundRuns.map(\.averageMs)))) ms, server CPU \(String(format: "%.2f", Stats.median(unboundRuns.compactMap(\.serverCPUMicros)))) µs/query"
                + latencyLine(latency["unbound"] ?? []))
            summary.append("dns plain-a berth/unbound: \(Format.ratio(berthQPS / unboundQPS)) (goal ≥ 1.00x); \(setup)")
        } else {
            summary.append("dns plain-a: \(setup)")
        }
        say("\n== dns plain-a summary")
        for line in summary { say(line) }
        return summary
    }

    /// `queries` lines, each `NAME.service.berth A` for a service picked at random (seeded).
    private func writePlainAQueries(_ names: [String]) throws -> String {
        guard !names.isEmpty else { throw BenchError("no services to ask for") }
        var random = SplitMix64(seed: 2026)
        var lines: [String] = []
        lines.reserveCapacity(options.queries)
        for _ in 0..<options.queries { lines.append("\(random.pick(names)!).service.berth A") }
        let path = "\(context.scratch)/queries-plain-a.txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A service's A answer checked before measuring, so the load is on real answers.
    private func checkPlainA(port: Int, _ fixture: DNSFixture.Built) throws {
        let probe = try DNSProbe(port: port)
        for service in fixture.services.filter({ $0.service != "fresh" }).prefix(3) {
            guard let vip = service.vip else { throw BenchError("\(service.service) has no VIP") }
            let a = try probe.ask("\(service.service).service.berth.", .a)
            guard a.answers.map(\.data) == [.a(dnsAddress(vip)!)] else { throw BenchError("\(service.service) A answered \(a.answers)") }
        }
    }
}
