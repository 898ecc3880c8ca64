import BerthProcess
import Foundation

/// Runs the programs `berth lb` hands its work to: the proxy's own config check (`nginx -t`,
/// `haproxy -c`) and the user's `--check` and `--reload` hooks. Off Swift's cooperative
/// threads, with a time limit, capturing what they print.
///
/// Each runs in a process group of its own with only fds 0-2 (so a daemon a reload hook starts
/// holds none of `berth lb`'s descriptors), and the time limit stops the whole group, so what
/// `/bin/sh -c` started stops too. Output goes to a temporary file rather than a pipe: a reload
/// hook that starts a daemon hands it the file, and the daemon may keep writing there.
public enum HookRunner {
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
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(returning: runBlocking(executable, arguments, environment, timeout))
            }
        }
    }

    private static func runBlocking(_ executable: String, _ arguments: [String], _ environment: [String: String], _ timeout: Duration) -> Result {
        let outputPath = FileManager.default.temporaryDirectory.appendingPathComponent("berth-lb-\(UUID().uuidString).out").path
        defer { unlink(outputPath) }
        let spec = ProcessSpec(
            executable, arguments, environment: .adding(environment), ownProcessGroup: true,
            standardOutput: .file(outputPath, .truncate, permissions: 0o600), standardError: .standardOutput
        )
        let finished: ProcessResult
        do { finished = try spec.run(timeLimit: timeout) } catch { return Result(status: -1, output: "\(error)") }
        var text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        if let signal = finished.termination.signal {
            text += "\n(killed by signal \(signal)\(finished.timedOut ? " after the \(timeout.components.seconds)s time limit" : ""))"
        }
        return Result(status: finished.status, output: text)
    }
}
