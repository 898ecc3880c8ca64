import BerthClient
import Foundation

/// The built `berth` binary, run as a real child process.
enum BerthBinary {
    static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/berth` (or the configuration the tests were built with).
    static var path: String {
        let candidates = ["debug", "release"].map { repositoryRoot.appendingPathComponent(".build/\($0)/berth").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs a berth command to completion (bounded by `timeout`) and returns its status and output.
    /// `token` is passed as `BERTH_TOKEN`, as a user would export it.
    static func run(_ arguments: [String], token: String? = nil, timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
        process.environment = environment(token: token)
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { process.terminate() }
        process.waitUntilExit()
        let stdout = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        return (process.terminationStatus, stdout, stderr)
    }

    /// This process's environment with `BERTH_TOKEN` set to `token` (or removed).
    static func environment(token: String?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_TOKEN"] = token
        return environment
    }
}

/// A running `berth serve` on a free port of 127.0.0.1.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let url: URL
    let client: BerthClient
    /// The admin token the server wrote next to its database on first start.
    let token: String?
    /// Where the server's stderr (its log) goes: a file, so a chatty server never blocks on a pipe.
    let logPath: String

    init(database: String, listen: String = "127.0.0.1:0", extra: [String] = []) async throws {
        process.executableURL = URL(fileURLWithPath: BerthBinary.path)
        process.arguments = ["serve", "--db", database, "--listen", listen, "--log-level", "warning"] + extra
        let out = Pipe()
        logPath = database + ".stderr.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let errors = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        errors.seekToEndOfFile()
        process.standardOutput = out
        process.standardError = errors
        try process.run()
        // The first stdout line names the port: "berth listening on http://127.0.0.1:PORT (...)".
        var line = Data()
        let handle = out.fileHandleForReading
        while !line.contains(UInt8(ascii: "\n")) {
            let chunk = handle.availableData
            if chunk.isEmpty { break }
            line.append(chunk)
        }
        let text = String(decoding: line, as: UTF8.self)
        guard let range = text.range(of: #"https?://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            process.terminate()
            let stderr = (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? ""
            throw ServerStartError(message: "berth serve did not start: \(text) \(stderr)")
        }
        url = URL(string: String(text[range]))!
        token = (try? String(contentsOfFile: database + ".admin-token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines)
        client = BerthClient(server: url, token: token)
    }

    /// What the server has logged so far.
    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// The environment for a child (CLI, agent, lb) acting as this server's admin.
    var environment: [String: String] { BerthBinary.environment(token: token) }

    /// Makes a token through the API, as `berth token create` would, and returns its secret.
    func issueToken(role: String, node: String? = nil) async throws -> String {
        var body: [String: String] = ["role": role]
        body["node"] = node
        let reply = try client.expectOK(try await client.put("/v1/tokens", json: body, method: "POST"))
        struct Issued: Decodable { var secret: String }
        return try reply.decode(Issued.self).secret
    }

    /// SIGKILL, as a power cut or an OOM kill would, then a bounded wait for the exit.
    func crash() async throws {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        let deadline = ContinuousClock.now + .seconds(10)
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Sends SIGTERM and waits (bounded) for a clean exit; returns the exit status.
    @discardableResult
    func stop(timeout: Duration = .seconds(15)) async throws -> Int32 {
        if process.isRunning { process.terminate() }
        let deadline = ContinuousClock.now + timeout
        while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
        return process.terminationStatus
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

struct ServerStartError: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// A fresh temporary folder for one test.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("berth-e2e-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}
