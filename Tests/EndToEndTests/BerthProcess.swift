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
    static func run(_ arguments: [String], timeout: Duration = .seconds(60)) async throws -> (status: Int32, stdout: String, stderr: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: path)
        process.arguments = arguments
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
}

/// A running `berth serve` on a free port of 127.0.0.1.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    let url: URL
    let client: BerthClient
    private let errors: Pipe

    init(database: String, listen: String = "127.0.0.1:0", extra: [String] = []) async throws {
        process.executableURL = URL(fileURLWithPath: BerthBinary.path)
        process.arguments = ["serve", "--db", database, "--listen", listen, "--log-level", "warning"] + extra
        let out = Pipe()
        errors = Pipe()
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
        guard let range = text.range(of: #"http://127\.0\.0\.1:[0-9]+"#, options: .regularExpression) else {
            process.terminate()
            let stderr = String(decoding: errors.fileHandleForReading.availableData, as: UTF8.self)
            throw ServerStartError(message: "berth serve did not start: \(text) \(stderr)")
        }
        url = URL(string: String(text[range]))!
        client = BerthClient(server: url)
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
