import ArgumentParser
import BerthHarness
import BerthStore
import Foundation

struct BackupOptions: ParsableArguments {
    @Option(help: "Nodes in the backed-up database.")
    var nodes = 5_000

    @Option(help: "Containers in the backed-up database.")
    var containers = 100_000

    @Option(help: "wrk connections of the PUT load that runs during the backups.")
    var loadConnections = 8

    @Option(help: "At least this many seconds of back-to-back backups under the write load.")
    var loadSeconds = 10

    @Option(help: "Start from a copy of this database (built by an earlier --save-database) instead of building one.")
    var database: String?

    @Option(help: "Keep a copy of the built database here, to pass to --database later.")
    var saveDatabase: String?

    func validate() throws {
        guard (1...30_000).contains(nodes) else { throw ValidationError("--nodes must be from 1 to 30000") }
        guard (0...2_000_000).contains(containers) else { throw ValidationError("--containers must be from 0 to 2000000") }
        guard (1...1_000).contains(loadConnections) else { throw ValidationError("--load-connections must be from 1 to 1000") }
        guard (1...600).contains(loadSeconds) else { throw ValidationError("--load-seconds must be from 1 to 600") }
    }
}

/// Times `GET /v1/backup` of a large database, idle and then back to back while wrk PUTs nodes,
/// and reports the writes' latency during that window.
struct BackupBenchmark {
    let context: BenchContext
    let options: BackupOptions

    /// One download, as curl saw it.
    struct Download {
        var seconds: Double
        var bytes: Double
    }

    func run() async throws -> [String] {
        let wrk = try await Wrk.executable()
        guard let curl = Tools.find("curl") else { throw BenchError("curl is needed for the backup benchmark") }
        let runs = context.runs
        let database = "\(context.scratch)/backup.db"
        say("== backup: \(options.nodes) nodes, \(options.containers) containers; wrk -t\(Wrk.threads) -c\(options.loadConnections) PUT load")
        if let existing = options.database {
            try FileManager.default.copyItem(atPath: BenchContext.absolute(existing), toPath: database)
            say("  copied the database from \(existing)")
        } else {
            let built = try await BackupFixture.build(
                path: database, nodes: options.nodes, containers: options.containers, clusterCIDR: APIBenchmark.clusterCIDR
            )
            say("  built the database in \(Format.seconds(built.seconds)) s: \(Format.mb(built.bytes)) MB, \(built.placed) containers placed by the scheduler")
            if let keep = options.saveDatabase {
                try? FileManager.default.removeItem(atPath: keep)
                try FileManager.default.copyItem(atPath: database, toPath: BenchContext.absolute(keep))
            }
        }

        await MachineLoad.report()
        let (idle, baseline, loaded, writes) = try await ServerProcess.with(
            context, database: database, clusterCIDR: APIBenchmark.clusterCIDR, label: "backup"
        ) { server in
            let settled = await server.settle()
            say("  server settled after \(Format.seconds(settled)) s (its loops' first passes over the cluster)")
            // An idle download, kept and checked: it must hold every node and container.
            let copy = "\(context.scratch)/downloaded.db"
            let idle = try await download(curl, server: server, to: copy, name: "curl-idle")
            let info = try Restore.inspect(copy)
            guard info.nodes == options.nodes, info.containers == options.containers else {
                throw BenchError("the backup holds \(info.nodes) nodes and \(info.containers) containers, not \(options.nodes) and \(options.containers)")
            }
            try? FileManager.default.removeItem(atPath: copy)
            say("  idle backup: \(Format.seconds(idle.seconds)) s, \(Format.mb(idle.bytes)) MB (checked: \(info.nodes) nodes, \(info.containers) containers, index \(info.index))")

            let baseline = try await Wrk.run(
                wrk, url: server.url.absoluteString, script: context.script("berth-put.lua"), connections: options.loadConnections,
                seconds: 5, scriptArguments: ["b0"], context: context, name: "wrk-backup-baseline"
            )
            say("  writes without backups: \(Format.line("put", baseline.load))\(APIBenchmark.problems(baseline))")

            // Back-to-back backups for the whole wrk run, so every write is made during one.
            let seconds = max(options.loadSeconds, Int((idle.seconds * Double(runs) * 1.5).rounded(.up)) + 2)
            let load = try Wrk.start(
                wrk, url: server.url.absoluteString, script: context.script("berth-put.lua"), connections: options.loadConnections,
                seconds: seconds, scriptArguments: ["b1"], context: context, name: "wrk-backup-load"
            )
            var loaded: [Download] = []
            do {
                try await Task.sleep(for: .milliseconds(300))
                while load.isRunning, loaded.count < 200 {
                    let download = try await download(curl, server: server, to: "/dev/null", name: "curl-\(loaded.count + 1)")
                    if load.isRunning || loaded.count < runs { loaded.append(download) }
                }
            } catch {
                await load.stop(grace: .seconds(2))
                throw error
            }
            let writes = try await Wrk.finish(load, seconds: seconds)
            say("  \(loaded.count) backups back to back under load (s): " + loaded.map { Format.seconds($0.seconds) }.joined(separator: " "))
            say("  writes during backups (\(seconds) s): \(Format.line("put", writes.load))\(APIBenchmark.problems(writes))")
            return (idle, baseline, loaded, writes)
        }
        let median = Stats.median(loaded.map(\.seconds))
        let line = "backup: \(options.nodes) nodes, \(options.containers) containers, file \(Format.mb(idle.bytes)) MB, "
            + "median \(Format.seconds(median)) s (\(loaded.count) under load; idle \(Format.seconds(idle.seconds)) s); "
            + "writes during backup p99 \(Format.ms(writes.load.p99)) ms (\(Format.rps(writes.load.rps)) req/s; "
            + "without backup p99 \(Format.ms(baseline.load.p99)) ms)"
        say(line)
        return [line]
    }

    /// `curl -o DEST URL/v1/backup`, timed by curl itself; fails unless it is a 200.
    private func download(_ curl: String, server: ServerProcess, to destination: String, name: String) async throws -> Download {
        let output = try await ChildProcess.run(
            curl, ["-sS", "-o", destination, "-w", "%{http_code} %{size_download} %{time_total}",
                   "-H", "Authorization: Bearer \(server.client.token ?? "")", "\(server.url)/v1/backup"],
            name: name, directory: context.scratch, timeout: .seconds(300)
        )
        let fields = output.split(separator: " ")
        guard fields.count == 3, fields[0] == "200", let bytes = Double(fields[1]), let seconds = Double(fields[2]) else {
            throw BenchError("GET /v1/backup failed: curl says \(output)")
        }
        return Download(seconds: seconds, bytes: bytes)
    }
}
