import Foundation

/// Runs the external programs the load balancer depends on (`nginx -t`, the reload command) off
/// Swift's cooperative threads, with a time limit, and captures what they print.
///
/// Output goes to a temporary file rather than a pipe: a reload command that starts a daemon
/// would otherwise hand it the pipe, and reading until end-of-file would never return.
public enum CommandRunner {
    /// How one run ended: the exit status (-1 if it could not start) and its combined output.
    public struct Result: Sendable, Hashable {
        public var status: Int32
        public var output: String
        public var succeeded: Bool { status == 0 }

        /// The output trimmed to its last lines, for a log message.
        public var outputTail: String {
            let lines = output.split(separator: "\n", omittingEmptySubsequences: true)
            return lines.suffix(5).joined(separator: " | ")
        }
    }

    /// Runs a user-supplied command line through `/bin/sh -c`.
    public static func shell(_ line: String, environment: [String: String] = [:], timeout: Duration = .seconds(60)) async -> Result {
        await run("/bin/sh", ["-c", line], environment: environment, timeout: timeout)
    }

    /// Runs `executable` with `arguments`; `environment` is added to this process's own.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String] = [:], timeout: Duration = .seconds(60)
    ) async -> Result {
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        return await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: runBlocking(executable, arguments, environment, seconds))
            }
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], _ environment: [String: String], _ timeout: Double) -> Result {
        let outputPath = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-lb-\(UUID().uuidString).out").path
        guard FileManager.default.createFile(atPath: outputPath, contents: nil),
              let output = FileHandle(forWritingAtPath: outputPath)
        else { return Result(status: -1, output: "cannot create a temporary file for the output of \(executable)") }
        defer { try? FileManager.default.removeItem(atPath: outputPath) }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = output
        process.standardError = output
        do {
            try process.run()
        } catch {
            try? output.close()
            return Result(status: -1, output: "cannot start \(executable): \(error)")
        }
        let running = RunningProcess(process)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { running.terminateIfRunning() }
        process.waitUntilExit()
        try? output.close()
        var text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        if process.terminationReason == .uncaughtSignal {
            text += "\n(killed by signal \(process.terminationStatus)\(running.timedOut ? " after the \(Int(timeout))s time limit" : ""))"
            return Result(status: 128 + process.terminationStatus, output: text)
        }
        return Result(status: process.terminationStatus, output: text)
    }
}

/// Lets the timeout handler, on another queue, stop a process that is still running.
/// `@unchecked` because `Process` is not `Sendable`; the lock guards the one flag we add, and
/// `isRunning`, `processIdentifier` and `terminate()` are safe to call from any thread.
private final class RunningProcess: @unchecked Sendable {
    private let process: Process
    private let lock = NSLock()
    private var didTimeOut = false

    init(_ process: Process) {
        self.process = process
    }

    var timedOut: Bool { lock.withLock { didTimeOut } }

    /// Signals the whole process group (Foundation starts the child as a group leader), so the
    /// programs `/bin/sh -c` started stop too; falls back to the process alone.
    func terminateIfRunning() {
        guard process.isRunning else { return }
        lock.withLock { didTimeOut = true }
        if kill(-process.processIdentifier, SIGTERM) != 0 { process.terminate() }
    }
}

/// Finds a program the way a shell would, plus the sbin directories a non-root PATH often lacks
/// (Debian installs nginx and haproxy in /usr/sbin).
public enum ExecutableLookup {
    public static func find(_ name: String, path: String? = ProcessInfo.processInfo.environment["PATH"]) -> String? {
        let directories = (path ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/usr/local/sbin", "/sbin"]
        return directories.lazy.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }
}
