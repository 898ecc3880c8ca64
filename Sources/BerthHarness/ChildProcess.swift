import BerthProcess
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr go to files, so no pipe can fill up and stall it
/// (or the test reading it), and so its output is there to read after a failure.
///
/// Started through BerthProcess (posix_spawn: only fds 0-2, default signal handling) and
/// reaped with a non-blocking wait, not Foundation's `Process`: `Process.run()` crashed inside
/// Foundation (a memcpy from a bad pointer) when many tests started children at once, and its
/// `waitUntilExit` spins a run loop that a Swift concurrency thread may never drive. Waits are
/// bounded polls. Every child is listed in `ChildRegistry`, so berth-bench can stop them all on
/// Ctrl-C; one still running when its object goes away is killed.
public final class ChildProcess: Sendable {
    public let name: String
    public let stdoutPath: String
    /// The same file as `stdoutPath` when both streams go to one log.
    public let stderrPath: String
    public let pid: Int32
    private let process: SpawnedProcess

    /// Starts `executable`. stdout goes to `stdout`, stderr to `stderr` (the same file when nil,
    /// keeping the two in order); `stdin: true` gives the child a pipe for `writeLine`, otherwise
    /// it reads /dev/null. `environment` replaces this process's (nil: inherit it).
    public init(
        name: String, executable: String, arguments: [String], stdout: String, stderr: String? = nil,
        environment: [String: String]? = nil, stdin: Bool = false
    ) throws {
        self.name = name
        stdoutPath = stdout
        stderrPath = stderr ?? stdout
        let spec = ProcessSpec(
            executable, arguments, environment: environment.map { .exactly($0) } ?? .inherit,
            standardInput: stdin ? .pipe : .null, standardOutput: .file(stdoutPath, .truncate),
            standardError: stderrPath == stdoutPath ? .standardOutput : .file(stderrPath, .truncate)
        )
        do { process = try spec.start() } catch { throw ChildProcessError("\(error)") }
        pid = process.pid
        ChildRegistry.shared.add(pid)
    }

    /// stdout in `directory/NAME.out`, stderr in `directory/NAME.err` (berth-bench's layout).
    public convenience init(name: String, executable: String, arguments: [String], directory: String,
                            environment: [String: String]? = nil, stdin: Bool = false) throws {
        try self.init(name: name, executable: executable, arguments: arguments, stdout: "\(directory)/\(name).out",
                      stderr: "\(directory)/\(name).err", environment: environment, stdin: stdin)
    }

    /// Both streams into one `log` (an agent, `berth lb`, nginx in an end-to-end test).
    public convenience init(_ executable: String, _ arguments: [String], log: URL, environment: [String: String]? = nil) throws {
        try self.init(name: log.deletingPathExtension().lastPathComponent, executable: executable, arguments: arguments,
                      stdout: log.path, environment: environment)
    }

    public var isRunning: Bool { reap() == nil }
    /// The exit status (128 + the signal for a killed child), or nil while it runs.
    public var exitStatus: Int32? { reap() }

    /// Reaps the child if it has exited (never blocks); its status (128 + the signal for a
    /// killed child, -1 if something else reaped it), or nil while it runs.
    private func reap() -> Int32? { process.termination?.code }

    /// What it wrote to stdout so far (with stderr too when they share a file).
    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What it wrote to stderr so far.
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Writes one line to its stdin (only with `stdin: true`).
    public func writeLine(_ line: String) {
        process.write(Array((line + "\n").utf8))
    }

    /// Waits for the exit; its status, or nil when `timeout` passes first.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let status = reap() {
                ChildRegistry.shared.remove(pid)
                return status
            }
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace`; always waits for the exit.
    /// Returns the exit status (nil only if even SIGKILL left it running).
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32? {
        if isRunning {
            process.signal(SIGTERM)
            if let status = await wait(timeout: grace) { return status }
            process.signal(SIGKILL)
        }
        return await wait(timeout: .seconds(10))
    }

    /// SIGKILL, as a crash or a power cut would, and a bounded wait for the exit.
    public func crash() async {
        if isRunning { process.signal(SIGKILL) }
        _ = await wait(timeout: .seconds(10))
    }

    /// `stop` for places that cannot `await` (a `defer`): SIGTERM, SIGKILL after `grace`,
    /// blocking this thread while it polls (bounded).
    public func terminate(grace: Duration = .seconds(5)) {
        if isRunning {
            process.signal(SIGTERM)
            blockUntilExit(within: grace)
        }
        if isRunning {
            process.signal(SIGKILL)
            blockUntilExit(within: .seconds(10))
        }
        if !isRunning { ChildRegistry.shared.remove(pid) }
    }

    /// `crash` for places that cannot `await`.
    public func killNow() {
        if isRunning { process.signal(SIGKILL) }
        blockUntilExit(within: .seconds(10))
    }

    private func blockUntilExit(within limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while isRunning, ContinuousClock.now < deadline { usleep(10_000) }
    }

    /// Resident memory (VmRSS) in bytes, from /proc/PID/status; nil once it is gone or off Linux.
    public func residentBytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return kb * 1024
    }

    /// CPU time (user + system) it has used so far, in seconds, from /proc/PID/stat.
    public func cpuSeconds() -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After the command name: state is field 3, utime field 14, stime field 15.
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    deinit {
        if isRunning {
            process.signal(SIGKILL)
            blockUntilExit(within: .seconds(10))
        }
        ChildRegistry.shared.remove(pid)
    }
}

/// A child process that could not be started or did not finish.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
