import BerthHarness
import Foundation

/// berth-bench's way of running `berth serve` (the shared `ServerProcess`, with the flags a
/// measurement needs), and its other children.
extension ServerProcess {
    /// Starts `berth serve --db DATABASE --listen 127.0.0.1:0 --log-level error --node-timeout 1h
    /// --max-watches-per-client 20000` (the watchers benchmark parks 10,000 polls from one client)
    /// with its output in the scratch folder.
    ///
    /// The benchmarks register nodes but send no heartbeats; a real cluster's nodes do. The long
    /// node timeout keeps the node-lifecycle loop from marking every node down (one mass write,
    /// and lost containers to replace) in the middle of a measurement.
    static func start(_ context: BenchContext, database: String, clusterCIDR: String? = nil, extra: [String] = [], label: String) async throws -> ServerProcess {
        var arguments = ["--listen", "127.0.0.1:0", "--log-level", "error", "--node-timeout", "1h", "--max-watches-per-client", "20000"]
        if let clusterCIDR { arguments += ["--cluster-cidr", clusterCIDR] }
        arguments += extra
        say("  server: berth serve --db \(database) \(arguments.joined(separator: " "))")
        let server = try await start(berth: context.berth, database: database, arguments: arguments, logs: context.scratch, name: "berth-\(label)")
        // Measured as deployed: with tokens on. wrk's scripts and longpoll.py read the admin
        // token from BERTH_TOKEN, which children inherit.
        if let token = server.token { setenv("BERTH_TOKEN", token, 1) }
        return server
    }

    /// Runs `body` against a fresh server and stops the server afterwards, whatever happens.
    static func with<T>(
        _ context: BenchContext, database: String, clusterCIDR: String? = nil, extra: [String] = [], label: String,
        _ body: (ServerProcess) async throws -> T
    ) async throws -> T {
        let server = try await start(context, database: database, clusterCIDR: clusterCIDR, extra: extra, label: label)
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
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
}

extension ChildProcess {
    /// Runs a command to completion with its output kept in `directory` (as NAME.out/.err) and
    /// returns its stdout; throws with its stderr when it fails or outlasts `timeout`.
    static func run(
        _ executable: String, _ arguments: [String], name: String, directory: String, timeout: Duration
    ) async throws -> String {
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments, directory: directory)
        guard let status = await child.wait(timeout: timeout) else {
            await child.stop(grace: .seconds(5))
            throw BenchError("\(name) did not finish within \(timeout)")
        }
        guard status == 0 else {
            throw BenchError("\(name) failed (exit \(status)): \(child.errors.suffix(2000))")
        }
        return child.output
    }
}
