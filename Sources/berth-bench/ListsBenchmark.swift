import ArgumentParser
import BerthClient
import BerthHarness
import Foundation

struct ListsOptions: ParsableArguments {
    @Option(help: "Nodes in the database.")
    var nodes = 5_000

    @Option(help: "Standalone containers in the database (listed page by page).")
    var containers = 100_000

    @Option(help: "Replicas of the big service created, listed and deleted.")
    var replicas = 10_000

    @Option(help: "wrk connections of the PUT load the pages are read under.")
    var loadConnections = 8

    @Option(help: "Seconds of write load to read pages under.")
    var loadSeconds = 10

    @Option(help: "Start from a copy of this database (an earlier `backup --save-database`) instead of building one.")
    var database: String?

    func validate() throws {
        guard (1...30_000).contains(nodes) else { throw ValidationError("--nodes must be from 1 to 30000") }
        guard (1_000...2_000_000).contains(containers) else { throw ValidationError("--containers must be from 1000 to 2000000") }
        guard (1...100_000).contains(replicas) else { throw ValidationError("--replicas must be from 1 to 100000") }
        guard (1...600).contains(loadSeconds) else { throw ValidationError("--load-seconds must be from 1 to 600") }
    }
}

/// Lists that scale: the whole container list read a page of 1,000 at a time (containers/s and
/// the server's peak memory), pages read under a write load (p50/p99), and a service of many
/// replicas listed and deleted.
struct ListsBenchmark {
    let context: BenchContext
    let options: ListsOptions
    static let pageSize = 1_000

    func run() async throws -> [String] {
        let wrk = try await Wrk.executable()
        let database = "\(context.scratch)/lists.db"
        say("== lists: \(options.nodes) nodes, \(options.containers) containers, pages of \(Self.pageSize); a service of \(options.replicas) replicas")
        if let existing = options.database {
            try FileManager.default.copyItem(atPath: BenchContext.absolute(existing), toPath: database)
        } else {
            let built = try await BackupFixture.build(
                path: database, nodes: options.nodes, containers: options.containers, clusterCIDR: APIBenchmark.clusterCIDR
            )
            say("  built the database in \(Format.seconds(built.seconds)) s (\(Format.mb(built.bytes)) MB)")
        }
        await MachineLoad.report()
        return try await ServerProcess.with(context, database: database, clusterCIDR: APIBenchmark.clusterCIDR, label: "lists") { server in
            await server.settle()
            var lines: [String] = []
            lines.append(try await wholeList(server))
            lines.append(try await pagesUnderLoad(server, wrk: wrk))
            lines.append(try await bigService(server))
            for line in lines { say(line) }
            return lines
        }
    }

    /// Reads every container page by page, `runs` times: containers per second, and the
    /// server's resident memory at its highest while it did.
    private func wholeList(_ server: ServerProcess) async throws -> String {
        var rates: [Double] = []
        let before = server.residentBytes() ?? 0
        var peak = before
        for run in 1...context.runs {
            let start = ContinuousClock.now
            var next: String?
            var count = 0
            var pages = 0
            repeat {
                let (items, token) = try await page(server, "/v1/containers", next: next)
                count += items
                next = token
                pages += 1
                peak = max(peak, server.residentBytes() ?? 0)
            } while next != nil
            let seconds = (ContinuousClock.now - start) / .seconds(1)
            guard count == options.containers else { throw BenchError("listed \(count) containers, not \(options.containers)") }
            rates.append(Double(count) / seconds)
            say("  run \(run): \(count) containers in \(pages) pages, \(Format.seconds(seconds)) s")
        }
        return "list: \(options.containers) containers in pages of \(Self.pageSize): median \(Format.rps(Stats.median(rates))) containers/s; "
            + "server RSS \(Format.mb(before)) MB before, peak \(Format.mb(peak)) MB while listing"
    }

    /// Reads pages (a first page and the two after it, over and over) while wrk PUTs nodes.
    private func pagesUnderLoad(_ server: ServerProcess, wrk: String) async throws -> String {
        let load = try Wrk.start(
            wrk, url: server.url.absoluteString, script: context.script("berth-put.lua"), connections: options.loadConnections,
            seconds: options.loadSeconds, scriptArguments: ["l0"], context: context, name: "wrk-lists-load"
        )
        var latencies: [Double] = []
        do {
            try await Task.sleep(for: .milliseconds(300))
            while load.isRunning, latencies.count < 20_000 {
                var next: String?
                for _ in 0..<3 {
                    let start = ContinuousClock.now
                    next = try await page(server, "/v1/containers", next: next).next
                    latencies.append((ContinuousClock.now - start) / .milliseconds(1))
                }
            }
        } catch {
            await load.stop(grace: .seconds(2))
            throw error
        }
        let writes = try await Wrk.finish(load, seconds: options.loadSeconds)
        let sorted = latencies.sorted()
        let p50 = sorted[sorted.count / 2]
        let p99 = sorted[min(sorted.count - 1, sorted.count * 99 / 100)]
        return "list page under write load: \(latencies.count) pages of \(Self.pageSize), p50 \(Format.ms(p50)) ms p99 \(Format.ms(p99)) ms; "
            + "writes meanwhile \(Format.rps(writes.load.rps)) req/s p99 \(Format.ms(writes.load.p99)) ms"
    }

    /// Creates a service of `replicas` replicas, waits until all are placed, reads its first
    /// page, and deletes it; `runs` times.
    private func bigService(_ server: ServerProcess) async throws -> String {
        var pages: [Double] = []
        var deletes: [Double] = []
        for run in 1...context.runs {
            let name = "big-\(run)"
            let body = #"{"replicas":\#(options.replicas),"template":{"image":"x","resources":{"cpu":1,"memory":1}}}"#
            _ = try server.client.checked(try await server.client.send("PUT", "/v1/services/\(name)", body: Data(body.utf8)))
            let deadline = ContinuousClock.now + .seconds(300)
            while try await count(server, "/v1/containers?service=\(name)&state=scheduled") < options.replicas {
                guard ContinuousClock.now < deadline else { throw BenchError("\(name)'s replicas were not all placed within 5 minutes") }
                try await Task.sleep(for: .milliseconds(200))
            }
            for _ in 0..<5 {
                let start = ContinuousClock.now
                _ = try await page(server, "/v1/containers?service=\(name)", next: nil)
                pages.append((ContinuousClock.now - start) / .milliseconds(1))
            }
            let start = ContinuousClock.now
            _ = try server.client.checked(try await server.client.send("DELETE", "/v1/services/\(name)"))
            deletes.append((ContinuousClock.now - start) / .milliseconds(1))
            say("  run \(run): delete of \(options.replicas) placed replicas \(Format.ms(deletes.last!)) ms")
        }
        return "service of \(options.replicas) replicas: first page of its containers median \(Format.ms(Stats.median(pages))) ms; "
            + "delete median \(Format.ms(Stats.median(deletes))) ms"
    }

    /// One page: the number of items and the `next` token, read from the body's tail (the items
    /// are not decoded: the server's time is what is measured).
    private func page(_ server: ServerProcess, _ path: String, next: String?) async throws -> (items: Int, next: String?) {
        var query = path + (path.contains("?") ? "&" : "?") + "limit=\(Self.pageSize)"
        if let next { query += "&next=\(next)" }
        let reply = try server.client.checked(try await server.client.get(query))
        let text = reply.text
        let items = text.isEmpty ? 0 : text.components(separatedBy: #"{"attempt":"#).count - 1
        guard let marker = text.range(of: #""next":"#, options: .backwards) else { throw BenchError("no next in \(query)'s answer") }
        let tail = text[marker.upperBound...].dropLast()
        return (items, tail == "null" ? nil : String(tail.dropFirst().dropLast()))
    }

    /// The items of a whole list, counted page by page.
    private func count(_ server: ServerProcess, _ path: String) async throws -> Int {
        var next: String?
        var total = 0
        repeat {
            let (items, token) = try await page(server, path, next: next)
            total += items
            next = token
        } while next != nil
        return total
    }
}

/// `berth-bench lists`: pages of a large list, under load, and a big service's list and delete.
struct ListsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lists", abstract: "Page through 100,000 containers, read pages under a write load, list and delete a 10,000-replica service."
    )

    @OptionGroup var common: CommonOptions
    @OptionGroup var options: ListsOptions

    func run() async throws {
        let context = try common.context()
        defer { context.cleanUp() }
        _ = try await ListsBenchmark(context: context, options: options).run()
    }
}
