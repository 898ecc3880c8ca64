import Foundation

/// A long-running child process for a test (an agent, `berth lb`, nginx), killed at the end.
final class ChildProcess: @unchecked Sendable {
    let process = Process()
    let log: URL

    init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String]? = nil) throws {
        self.log = log
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        try process.run()
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    /// SIGKILL, as a crash would.
    func crash() {
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        waitForExit()
    }

    /// Polls for the exit (bounded): `Process.waitUntilExit` spins a run loop that a Swift
    /// concurrency thread may never drive, and then it never returns.
    private func waitForExit() {
        for _ in 0..<400 where process.isRunning { usleep(25_000) }
    }

    /// SIGTERM and a bounded wait.
    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        for _ in 0..<200 where process.isRunning { usleep(25_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        waitForExit()
    }

    var output: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }

    deinit { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
}

/// Finds an executable on PATH (or in the usual sbin folders, where Debian puts nginx).
func which(_ name: String) -> String? {
    let path = (ProcessInfo.processInfo.environment["PATH"] ?? "") + ":/usr/sbin:/sbin:/usr/local/sbin"
    return path.split(separator: ":").map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
}

/// A free TCP port on 127.0.0.1.
func freePort() -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = inet_addr("127.0.0.1")
    _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) } }
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    _ = withUnsafeMutablePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) } }
    return Int(UInt16(bigEndian: address.sin_port))
}

/// Containers outlive their agent by design (a restarted agent adopts them): end the process
/// driver's containers from the agents' records, so a test leaves no process behind.
func killAgentContainers(_ agents: String) {
    for node in (try? FileManager.default.contentsOfDirectory(atPath: agents)) ?? [] {
        let folder = "\(agents)/\(node)/containers"
        for record in (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? [] {
            if let data = try? Data(contentsOf: URL(fileURLWithPath: "\(folder)/\(record)")),
               let pid = (try? JSONSerialization.jsonObject(with: data) as? [String: Any])?["pid"] as? Int {
                kill(-Int32(pid), SIGKILL)
            }
        }
    }
}
