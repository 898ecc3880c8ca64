import BerthClient
import Foundation

/// A `berth serve` child on 127.0.0.1 and a free port, read from its first stdout line.
final class ServerProcess {
    let child: ChildProcess
    let port: Int
    let client: BerthClient

    var url: String { "http://127.0.0.1:\(port)" }
    var pid: Int32 { child.pid }

    private init(child: ChildProcess, port: Int, token: String?) {
        self.child = child
        self.port = port
        client = BerthClient(server: URL(string: "http://127.0.0.1:\(port)")!, token: token)
    }

    /// Starts `berth serve --db DATABASE --listen 127.0.0.1:0 --log-level error --node-timeout 1h
    /// --max-watches-per-client 20000` (the watchers benchmark parks 10,000 polls from one client)
    /// and waits for `berth listening on http://127.0.0.1:PORT (database ...)`.
    ///
    /// The benchmarks register nodes but send no heartbeats; a real cluster's nodes do. The long
    /// node timeout keeps the node-lifecycle loop from marking every node down (one mass write,
    /// and lost containers to replace) in the middle of a measurement.
    static func start(_ context: BenchContext, database: String, clusterCIDR: String? = nil, label: String) async throws -> ServerProcess {
        var arguments = ["serve", "--db", database, "--listen", "127.0.0.1:0", "--log-level", "error", "--node-timeout", "1h",
                         "--max-watches-per-client", "20000"]
        if let clusterCIDR { arguments += ["--cluster-cidr", clusterCIDR] }
        say("  server: berth \(arguments.joined(separator: " "))")
        let child = try ChildProcess(name: "berth-\(label)", executable: context.berth, arguments: arguments, directory: context.scratch)
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let line = child.output.split(separator: "\n").first, let port = Self.port(in: line) {
                // Measured as deployed: with tokens on. wrk's scripts and longpoll.py read the
                // admin token from BERTH_TOKEN, which children inherit.
                let token = (try? String(contentsOfFile: database + ".admin-token", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                if let token { setenv("BERTH_TOKEN", token, 1) }
                return ServerProcess(child: child, port: port, token: token)
            }
            guard child.isRunning else {
                let status = await child.wait(timeout: .seconds(1)).map(String.init) ?? "?"
                throw BenchError("berth serve exited (status \(status)) before listening: \((child.output + child.errors).suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        await child.stop()
        throw BenchError("berth serve did not report its port within 60 s")
    }

    /// Runs `body` against a fresh server and stops the server afterwards, whatever happens.
    static func with<T>(
        _ context: BenchContext, database: String, clusterCIDR: String? = nil, label: String,
        _ body: (ServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await start(context, database: database, clusterCIDR: clusterCIDR, label: label)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    static func port(in line: some StringProtocol) -> Int? {
        let prefix = "berth listening on http://127.0.0.1:"
        guard line.hasPrefix(prefix) else { return nil }
        return Int(line.dropFirst(prefix.count).prefix { $0.isNumber })
    }

    func stop() async {
        await child.stop(grace: .seconds(20))
    }

    /// The server's change index, from `/healthz`.
    func index() async throws -> UInt64 {
        let reply = try client.expectOK(try await client.get("/healthz"))
        guard let index = reply.index else { throw BenchError("/healthz answered without X-Berth-Index") }
        return index
    }

    /// Resident memory (VmRSS) in bytes, from /proc/PID/status.
    func residentBytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kb * 1024
    }

    /// Waits (up to `limit`) until the server is quiet: its reconciliation loops run a pass over
    /// the whole cluster at start and after changes, which would otherwise overlap a measurement.
    /// Returns the seconds waited.
    @discardableResult
    func settle(limit: Duration = .seconds(120)) async -> Double {
        let start = ContinuousClock.now
        var last = cpuSeconds() ?? 0
        while ContinuousClock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(500))
            guard let now = cpuSeconds() else { break }
            defer { last = now }
            if now - last < 0.025 { break }  // under 5% of one core for half a second
        }
        return (ContinuousClock.now - start) / .seconds(1)
    }

    /// CPU time (user + system) the server has used so far, in seconds, from /proc/PID/stat.
    func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }
}
