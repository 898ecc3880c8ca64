import BerthClient
import Foundation

/// A running `berth serve` child on 127.0.0.1, started on a free port (`--listen
/// 127.0.0.1:0`, or a given one) and reached through the port it prints on its first line:
/// `berth listening on http://127.0.0.1:PORT (...)`.
///
/// End-to-end tests and berth-bench both drive the real binary through this one type.
public final class ServerProcess: @unchecked Sendable {
    public let child: ChildProcess
    public let url: URL
    public let client: BerthClient
    /// The admin token the server wrote next to its database on first start (nil with `--auth none`).
    public let token: String?

    public var port: Int { url.port ?? 0 }
    public var pid: Int32 { child.pid }
    /// Where its stderr (its log) goes.
    public var logPath: String { child.stderrPath }
    /// What it has logged so far.
    public var log: String { child.errors }
    /// The environment for a child (CLI, agent, lb) acting as this server's admin.
    public var environment: [String: String] { BerthBinary.environment(token: token) }

    private init(child: ChildProcess, url: URL, token: String?) {
        self.child = child
        self.url = url
        self.token = token
        client = BerthClient(server: url, token: token)
    }

    /// Starts `berth serve --db DATABASE ARGUMENTS` (ARGUMENTS should hold `--listen`) and waits
    /// (bounded by `timeout`) for the line that names its address. Its stdout and stderr go to
    /// `logs/NAME.out` and `logs/NAME.err` (default: beside the database, named after it).
    public static func start(
        berth: String = BerthBinary.path, database: String, arguments: [String], logs: String? = nil, name: String? = nil,
        timeout: Duration = .seconds(180)
    ) async throws -> ServerProcess {
        let database = URL(fileURLWithPath: database)
        // DNS on a free port unless the caller picks one: servers started side by side must not
        // all ask for the default 8600.
        let dns = arguments.contains("--dns") ? [] : ["--dns", "127.0.0.1:0"]
        let child = try ChildProcess(
            name: name ?? database.lastPathComponent, executable: berth, arguments: ["serve", "--db", database.path] + arguments + dns,
            directory: logs ?? database.deletingLastPathComponent().path
        )
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            // Other listeners (`--consul-listen`) print their lines too, in any order.
            if let url = child.output.split(separator: "\n").lazy.compactMap(address(in:)).first {
                let token = (try? String(contentsOfFile: database.path + ".admin-token", encoding: .utf8))?
                    .trimmingCharacters(in: .whitespacesAndNewlines)
                return ServerProcess(child: child, url: url, token: token)
            }
            guard child.isRunning else {
                let status = await child.wait(timeout: .seconds(1)).map(String.init) ?? "?"
                throw ChildProcessError("berth serve exited (status \(status)) before listening: \((child.output + child.errors).suffix(2000))")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        await child.stop(grace: .seconds(5))
        throw ChildProcessError("berth serve did not report its address within \(timeout): \(child.errors.suffix(2000))")
    }

    /// The DNS port, from the line `berth dns on 127.0.0.1:PORT (...)` the server prints after
    /// its HTTP address; nil with `--dns off`.
    public var dnsPort: Int? {
        for line in child.output.split(separator: "\n") where line.hasPrefix("berth dns on ") {
            let address = line.dropFirst("berth dns on ".count).prefix { $0 != " " }
            return address.split(separator: ":").last.flatMap { Int($0) }
        }
        return nil
    }

    /// An end-to-end test's server: `--listen LISTEN --log-level warning EXTRA`.
    ///
    /// Nodes a test registers stay up for the whole test unless `extra` sets `--node-timeout`:
    /// most tests register nodes and never heartbeat, and with the server's 15 s default a slow
    /// run on a loaded machine saw its nodes go down mid-test (a watch on one returned at once).
    public convenience init(database: String, listen: String = "127.0.0.1:0", extra: [String] = []) async throws {
        let timeout = extra.contains("--node-timeout") ? [] : ["--node-timeout", "1h"]
        let started = try await Self.start(database: database, arguments: ["--listen", listen, "--log-level", "warning"] + timeout + extra)
        self.init(child: started.child, url: started.url, token: started.token)
    }

    /// The address in `berth listening on http(s)://127.0.0.1:PORT (...)`.
    static func address(in line: some StringProtocol) -> URL? {
        let text = String(line)
        guard text.hasPrefix("berth listening on "),
              let range = text.range(of: #"https?://127\.0\.0\.1:[0-9]+"#, options: .regularExpression)
        else { return nil }
        return URL(string: String(text[range]))
    }

    /// The Consul catalog's address, from the line `berth consul catalog listening on
    /// http://127.0.0.1:PORT` a server started with `--consul-listen` prints.
    public func consulURL(timeout: Duration = .seconds(30)) async throws -> URL {
        var found: URL?
        try await eventually("berth serve prints the Consul catalog's address", timeout: timeout) {
            found = child.output.split(separator: "\n").lazy.compactMap { line -> URL? in
                guard line.hasPrefix("berth consul catalog listening on "),
                      let range = line.range(of: #"https?://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else { return nil }
                return URL(string: String(line[range]))
            }.first
            return found != nil
        }
        return found!
    }

    /// Makes a token through the API, as `berth token create` would, and returns its secret.
    public func issueToken(role: String, node: String? = nil) async throws -> String {
        var body: [String: String] = ["role": role]
        body["node"] = node
        let reply = try client.expectOK(try await client.put("/v1/tokens", json: body, method: "POST"))
        struct Issued: Decodable { var secret: String }
        return try reply.decode(Issued.self).secret
    }

    /// The server's change index, from `/healthz`.
    public func index() async throws -> UInt64 {
        let reply = try client.expectOK(try await client.get("/healthz"))
        guard let index = reply.index else { throw ChildProcessError("/healthz answered without X-Berth-Index") }
        return index
    }

    /// How many long-polls are parked in the server now (`berth_watches_waiting` in /metrics):
    /// how a test knows a watch is waiting before it makes the change that should wake it.
    public func watchesWaiting() async throws -> Int? {
        let metrics = try await client.get("/metrics").text
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("berth_watches_waiting ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") }.map { Int($0) }
    }

    public func residentBytes() -> Double? { child.residentBytes() }
    public func cpuSeconds() -> Double? { child.cpuSeconds() }

    /// SIGKILL, as a power cut or an OOM kill would, then a bounded wait for the exit.
    public func crash() async {
        await child.crash()
    }

    /// SIGTERM and a wait of up to `timeout` for a clean exit (SIGKILL after it); the exit status.
    @discardableResult
    public func stop(timeout: Duration = .seconds(20)) async -> Int32 {
        await child.stop(grace: timeout) ?? -1
    }
}
