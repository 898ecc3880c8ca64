import BerthAgent
import BerthCore
import BerthDNSWire
import BerthHarness
import Foundation

/// `berth-bench dns`: Berth's DNS server at scale against unbound serving the same names.
///
/// 1. A cluster of `services` services × `replicas` running replicas on `nodes` nodes is built
///    in-process (`DNSFixture`), then served by `berth serve --dns 127.0.0.1:0 --dns-threads T`.
/// 2. dnsperf for `seconds` against Berth, then against unbound (`num-threads: T`, the same
///    names as `local-data`), alternately, `runs` times: QPS (at 0 lost queries: a run that
///    lost any is repeated at 90% of its rate), average latency; then once more each with
///    `-v` for every query's latency (p50, p99).
/// 3. Freshness: a replica of the `dnsrr` service `fresh` reported unhealthy (then healthy)
///    through the API; the time until Berth's answer shows it.
/// 4. The server's RSS at that scale with `--dns off` and with DNS on.
/// With `--forwarder`, each run also sends dnsperf through the node's DNS forwarder (the agent's
/// code, `StandaloneDNSForwarder`, in this process on 127.0.0.1) to the same server: queries/s
/// and p99 through it against asking the server directly, in the same run.
struct DNSBenchmark {
    struct Options {
        var nodes = 1000
        var services = 10_000
        var replicas = 10
        var seconds = 10
        var threads = ProcessInfo.processInfo.activeProcessorCount
        var clients = 4
        var dnsperfThreads = 1
        var outstanding = 100
        var rounds = 200
        var unbound = true
        var forwarder = false
        var queries = 100_000
        /// Keep the database here (reused when it exists) instead of building one per run.
        var database: String?
    }

    let context: BenchContext
    let options: Options

    func run() async throws -> [String] {
        await MachineLoad.report()
        let dnsperf = try await Dnsperf.executable()
        let database = options.database ?? "\(context.scratch)/dns.db"
        let fixture: DNSFixture.Built
        if options.database != nil, FileManager.default.fileExists(atPath: database) {
            fixture = try await DNSFixture.load(path: database)
            say("  reusing \(database): \(fixture.services.count) services, \(fixture.containers.count) containers with addresses")
        } else {
            say("  building \(options.services) services × \(options.replicas) running replicas on \(options.nodes) nodes (in process)…")
            fixture = try await DNSFixture.build(path: database, nodes: options.nodes, services: options.services, replicas: options.replicas)
            say("  built in \(Format.seconds(fixture.seconds)) s: \(fixture.services.count) services, \(fixture.containers.count) containers with addresses")
        }
        let queryFile = try writeQueries(fixture)

        // RSS without DNS first, on the same database.
        let rssOff = try await ServerProcess.with(context, database: database, clusterCIDR: DNSFixture.clusterCIDR, extra: ["--dns", "off"], label: "dns-off") { server in
            _ = await server.settle()
            return (server.residentBytes() ?? 0) / 1_048_576
        }
        say("  server RSS with --dns off: \(String(format: "%.0f", rssOff)) MB")

        let dnsArguments = ["--dns", "127.0.0.1:0", "--dns-threads", String(options.threads)]
        return try await ServerProcess.with(context, database: database, clusterCIDR: DNSFixture.clusterCIDR, extra: dnsArguments, label: "dns") { server in
            let settled = await server.settle()
            let rssOn = (server.residentBytes() ?? 0) / 1_048_576
            guard let port = server.dnsPort else { throw BenchError("the server printed no `berth dns on` line: \(server.child.output)") }
            say("  server settled in \(Format.seconds(settled)) s; RSS with DNS on: \(String(format: "%.0f", rssOn)) MB; DNS on 127.0.0.1:\(port)")
            try check(port: port, fixture)

            var forwarder: StandaloneDNSForwarder?
            if options.forwarder {
                // dnsperf is one client address with `outstanding` queries in flight: above the
                // per-container bound a node keeps, which is not what is measured here.
                let started = try await StandaloneDNSForwarder.start(server: "127.0.0.1", serverPort: port, maxOutstandingPerClient: max(64, options.outstanding * 4))
                do { try check(port: started.port, fixture) } catch {
                    await started.close()
                    throw error
                }
                say("  node DNS forwarder on 127.0.0.1:\(started.port) → the server")
                forwarder = started
            }
            var unbound: UnboundPeer?
            if options.unbound {
                unbound = try await UnboundPeer.start(context, fixture: fixture, threads: options.threads, ttl: 5)
                say("  unbound \(options.threads) thread(s) on 127.0.0.1:\(unbound!.port), RSS \(String(format: "%.0f", (unbound!.residentBytes() ?? 0) / 1_048_576)) MB")
            }
            do {
                let summary = try await measureAll(server, port: port, unbound: unbound, forwarder: forwarder?.port, fixture: fixture,
                                                   queryFile: queryFile, dnsperf: dnsperf, rss: (off: rssOff, on: rssOn))
                await unbound?.stop()
                await forwarder?.close()
                return summary
            } catch {
                await unbound?.stop()
                await forwarder?.close()
                throw error
            }
        }
    }

    private func measureAll(
        _ server: ServerProcess, port: Int, unbound: UnboundPeer?, forwarder: Int?, fixture: DNSFixture.Built, queryFile: String, dnsperf: String,
        rss: (off: Double, on: Double)
    ) async throws -> [String] {
            let (rssOff, rssOn) = rss

            var targets = [berthTarget(server, port: port)] + (unbound.map { [Self.unboundTarget($0)] } ?? [])
            targets += forwarder.map { [DNSTarget(label: "forwarder", port: $0, cpu: { nil }, dnsCPU: { nil })] } ?? []
            let (runs, latency) = try await alternate(targets, dnsperf: dnsperf, queryFile: queryFile, prefix: "dnsperf")
            let rssAfter = (server.residentBytes() ?? 0) / 1_048_576

            let freshness = try await measureFreshness(server, port: port, fixture)
            let rssEnd = (server.residentBytes() ?? 0) / 1_048_576

            let berthRuns = runs["berth"] ?? []
            let unboundRuns = runs["unbound"] ?? []
            let berthLatency = latency["berth"] ?? []
            let unboundLatency = latency["unbound"] ?? []
            var summary: [String] = []
            let berthQPS = Stats.median(berthRuns.map(\.qps))
            summary.append("dns berth: \(Format.rps(berthQPS)) qps (median of \(berthRuns.count); lost \(berthRuns.map(\.lost))) avg \(String(format: "%.3f", Stats.median(berthRuns.map(\.averageMs)))) ms, server CPU \(String(format: "%.2f", Stats.median(berthRuns.compactMap(\.serverCPUMicros)))) µs/query (DNS threads \(String(format: "%.2f", Stats.median(berthRuns.compactMap(\.dnsThreadsCPUMicros)))))"
                + latencyLine(berthLatency))
            if !unboundRuns.isEmpty {
                let unboundQPS = Stats.median(unboundRuns.map(\.qps))
                summary.append("dns unbound: \(Format.rps(unboundQPS)) qps (median of \(unboundRuns.count); lost \(unboundRuns.map(\.lost))) avg \(String(format: "%.3f", Stats.median(unboundRuns.map(\.averageMs)))) ms, server CPU \(String(format: "%.2f", Stats.median(unboundRuns.compactMap(\.serverCPUMicros)))) µs/query"
                    + latencyLine(unboundLatency))
                summary.append("dns berth/unbound: \(Format.ratio(berthQPS / unboundQPS)) (goal ≥ 1.00x), \(options.threads) thread(s) each")
            }
            if let forwarderRuns = runs["forwarder"], !forwarderRuns.isEmpty {
                let forwarderQPS = Stats.median(forwarderRuns.map(\.qps))
                let forwarderLatency = latency["forwarder"] ?? []
                summary.append("dns forwarder: \(Format.rps(forwarderQPS)) qps (median of \(forwarderRuns.count); lost \(forwarderRuns.map(\.lost))) avg \(String(format: "%.3f", Stats.median(forwarderRuns.map(\.averageMs)))) ms"
                    + latencyLine(forwarderLatency))
                let p99Through = Stats.median(forwarderLatency.compactMap(\.p99Ms))
                let p99Direct = Stats.median(berthLatency.compactMap(\.p99Ms))
                summary.append("dns forwarder/direct: \(Format.ratio(forwarderQPS / berthQPS)) of the queries/s, p99 \(ms(p99Through)) ms through it vs \(ms(p99Direct)) ms direct")
            }
            summary.append("dns freshness (status report → new answer, \(freshness.fromSent.count) changes): from the PUT sent p50 \(ms(percentile(freshness.fromSent, 0.5))) ms p99 \(ms(percentile(freshness.fromSent, 0.99))) ms; from its 200 p50 \(ms(percentile(freshness.fromAck, 0.5))) ms p99 \(ms(percentile(freshness.fromAck, 0.99))) ms (goal p99 < 50 ms)")
            summary.append("dns rss: --dns off \(String(format: "%.0f", rssOff)) MB, on \(String(format: "%.0f", rssOn)) MB (+\(String(format: "%.0f", rssOn - rssOff)) MB), after the load \(String(format: "%.0f", rssAfter)) MB, at the end \(String(format: "%.0f", rssEnd)) MB")
            say("\n== dns summary")
            for line in summary { say(line) }
            return summary
    }

    /// A dnsperf run at full rate; if it lost queries, again at 90% of the rate it reached.
    func measure(
        _ dnsperf: String, port: Int, file: String, name: String, cpu: () -> Double?, dnsCPU: () -> Double?
    ) async throws -> DnsperfResult {
        let before = cpu()
        let dnsBefore = dnsCPU()
        var result = try await Dnsperf.run(dnsperf, port: port, file: file, seconds: options.seconds, clients: options.clients,
                                           threads: options.dnsperfThreads, outstanding: options.outstanding, verbose: false,
                                           context: context, name: name)
        if let before, let after = cpu(), result.sent > 0 {
            result.serverCPUMicros = (after - before) * 1e6 / Double(result.sent - result.lost)
        }
        if let dnsBefore, let dnsAfter = dnsCPU(), result.sent > 0 {
            result.dnsThreadsCPUMicros = (dnsAfter - dnsBefore) * 1e6 / Double(result.sent - result.lost)
        }
        var attempt = 0
        while result.lost > 0, attempt < 3 {
            attempt += 1
            say("    \(name) lost \(result.lost) queries at \(Format.rps(result.qps)) qps; again at 90%")
            result = try await Dnsperf.run(dnsperf, port: port, file: file, seconds: options.seconds, clients: options.clients,
                                           threads: options.dnsperfThreads, outstanding: options.outstanding, verbose: false,
                                           context: context, name: "\(name)-\(attempt)", maxQPS: Int(result.qps * 0.9))
        }
        return result
    }

    /// One server dnsperf is pointed at: its label, port, and how its CPU time is read.
    struct DNSTarget {
        var label: String
        var port: Int
        var cpu: () -> Double?
        var dnsCPU: () -> Double?
    }

    /// Berth's server, its DNS threads' CPU read apart.
    func berthTarget(_ server: ServerProcess, port: Int) -> DNSTarget {
        let pid = server.pid
        return DNSTarget(label: "berth", port: port, cpu: { server.cpuSeconds() }, dnsCPU: { ThreadCPU.seconds(pid: pid, namePrefix: "berth-dns-") })
    }

    static func unboundTarget(_ peer: UnboundPeer) -> DNSTarget {
        DNSTarget(label: "unbound", port: peer.port, cpu: { peer.cpuSeconds() }, dnsCPU: { nil })
    }

    /// `runs` rounds over `targets`, who goes first alternating (the machine's state drifts over
    /// a run): a measured dnsperf run each, then a `-v` run each for the latency percentiles.
    func alternate(_ targets: [DNSTarget], dnsperf: String, queryFile: String, prefix: String) async throws
        -> (runs: [String: [DnsperfResult]], latency: [String: [DnsperfResult]]) {
        var runs: [String: [DnsperfResult]] = [:]
        var latency: [String: [DnsperfResult]] = [:]
        for run in 1...context.runs {
            let order = run % 2 == 1 ? targets : targets.reversed()
            for target in order {
                let result = try await measure(dnsperf, port: target.port, file: queryFile, name: "\(prefix)-\(target.label)-\(run)", cpu: target.cpu, dnsCPU: target.dnsCPU)
                say("  run \(run) \(target.label): \(line(result))")
                runs[target.label, default: []].append(result)
            }
            for target in order {
                let result = try await Dnsperf.run(dnsperf, port: target.port, file: queryFile, seconds: options.seconds, clients: options.clients,
                                                   threads: options.dnsperfThreads, outstanding: options.outstanding, verbose: true,
                                                   context: context, name: "\(prefix)-\(target.label)-\(run)-v")
                say("  run \(run) \(target.label) with -v: \(line(result))")
                latency[target.label, default: []].append(result)
            }
        }
        return (runs, latency)
    }

    func line(_ result: DnsperfResult) -> String {
        "\(Format.rps(result.qps)) qps, sent \(result.sent), lost \(result.lost), avg \(String(format: "%.3f", result.averageMs)) ms"
            + (result.serverCPUMicros.map { String(format: ", server CPU %.2f µs/query", $0) } ?? "")
            + (result.dnsThreadsCPUMicros.map { String(format: " (DNS threads %.2f)", $0) } ?? "")
            + (result.p99Ms.map { _ in ", p50 \(ms(result.p50Ms)) ms, p99 \(ms(result.p99Ms)) ms" } ?? "") + " [\(result.rcodes)]"
    }

    /// Medians of the `-v` runs' percentiles.
    func latencyLine(_ runs: [DnsperfResult]) -> String {
        guard !runs.isEmpty else { return "" }
        return " | -v (median of \(runs.count)): p50 \(ms(Stats.median(runs.compactMap(\.p50Ms)))) ms p99 \(ms(Stats.median(runs.compactMap(\.p99Ms)))) ms at \(Format.rps(Stats.median(runs.map(\.qps)))) qps"
    }

    private func ms(_ value: Double?) -> String { value.map { String(format: "%.3f", $0) } ?? "-" }

    private func percentile(_ values: [Double], _ p: Double) -> Double? {
        let sorted = values.sorted()
        return sorted.isEmpty ? nil : sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    /// The query mix, seeded: a third service A, a third SRV (`svc` and `_http._tcp.svc` alike),
    /// a third container A.
    private func writeQueries(_ fixture: DNSFixture.Built) throws -> String {
        var random = SplitMix64(seed: 2026)
        let services = fixture.services.map(\.service).filter { $0 != "fresh" }
        var lines: [String] = []
        lines.reserveCapacity(options.queries)
        for _ in 0..<options.queries {
            switch random.int(in: 0...5) {
            case 0, 1: lines.append("\(random.pick(services)!).service.berth A")
            case 2: lines.append("\(random.pick(services)!).service.berth SRV")
            case 3: lines.append("_http._tcp.\(random.pick(services)!).service.berth SRV")
            default: lines.append("\(random.pick(fixture.containers)!.id).container.berth A")
            }
        }
        let path = "\(context.scratch)/queries.txt"
        try (lines.joined(separator: "\n") + "\n").write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// A few answers checked before measuring, so the load is on real answers.
    private func check(port: Int, _ fixture: DNSFixture.Built) throws {
        let probe = try DNSProbe(port: port)
        guard let service = fixture.services.first(where: { $0.service != "fresh" }), let vip = service.vip else { throw BenchError("no service") }
        let a = try probe.ask("\(service.service).service.berth.", .a)
        guard a.answers.map(\.data) == [.a(dnsAddress(vip)!)] else { throw BenchError("\(service.service) A answered \(a.answers)") }
        let srv = try probe.ask("_http._tcp.\(service.service).service.berth.", .srv)
        guard srv.answers.count == service.targets.count, !srv.header.isTruncated else { throw BenchError("SRV answered \(srv.answers.count) of \(service.targets.count)") }
        let container = fixture.containers[fixture.containers.count / 2]
        let c = try probe.ask("\(container.id).container.berth.", .a)
        guard c.answers.map(\.data) == [.a(dnsAddress(container.ip)!)] else { throw BenchError("container A answered \(c.answers)") }
    }

    /// Turns a replica of `fresh` unhealthy and healthy again, `rounds` times, and times how
    /// long the DNS answer takes to follow.
    private func measureFreshness(_ server: ServerProcess, port: Int, _ fixture: DNSFixture.Built) async throws -> (fromSent: [Double], fromAck: [Double]) {
        guard let id = fixture.fresh.first, let ip = fixture.containers.first(where: { $0.id == id }).flatMap({ dnsAddress($0.ip) }) else {
            throw BenchError("the fresh service has no replica")
        }
        let probe = try DNSProbe(port: port)
        let clock = ContinuousClock()
        var fromSent: [Double] = []
        var fromAck: [Double] = []
        var healthy = true
        for round in 0..<options.rounds {
            healthy.toggle()
            let body = Data(#"{"state":"running","healthy":\#(healthy)}"#.utf8)
            let sent = clock.now
            _ = try server.client.expectOK(try await server.client.send("PUT", "/v1/containers/\(id)/status", body: body))
            let acknowledged = clock.now
            let deadline = acknowledged + .seconds(5)
            while true {
                let answers = try probe.ask("fresh.service.berth.", .a).answers.map(\.data)
                if answers.contains(.a(ip)) == healthy { break }
                guard clock.now < deadline else { throw BenchError("round \(round): the answer did not follow within 5 s") }
                try await Task.sleep(for: .microseconds(250))
            }
            let seen = clock.now
            fromSent.append((seen - sent) / .milliseconds(1))
            fromAck.append((seen - acknowledged) / .milliseconds(1))
        }
        return (fromSent, fromAck)
    }
}

/// Dotted-quad text as the DNS codec's address (BerthCore's parser).
func dnsAddress(_ text: String) -> DNSIPv4Address? {
    IPv4Address(text).map { DNSIPv4Address(rawValue: $0.value) }
}
