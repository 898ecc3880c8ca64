import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr go to files, so no pipe can fill up and stall it
/// (or the test reading it), and so its output is there to read after a failure.
///
/// Waits are bounded polls of `isRunning`: `Process.waitUntilExit` spins a run loop that a
/// Swift concurrency thread may never drive, and then it never returns. Every child is listed
/// in `ChildRegistry`, so berth-bench can stop them all on Ctrl-C; one still running when its
/// object goes away is killed.
public final class ChildProcess: @unchecked Sendable {
    public let name: String
    public let stdoutPath: String
    /// The same file as `stdoutPath` when both streams go to one log.
    public let stderrPath: String
    private let process = Process()
    private let input: Pipe?

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
        for path in Set([stdoutPath, stderrPath]) {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw ChildProcessError("cannot create \(path)")
            }
        }
        guard let out = FileHandle(forWritingAtPath: stdoutPath), let err = stderrPath == stdoutPath ? out : FileHandle(forWritingAtPath: stderrPath) else {
            throw ChildProcessError("cannot open \(stdoutPath) for writing")
        }
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if let environment { process.environment = environment }
        process.standardOutput = out
        process.standardError = err
        input = stdin ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ChildProcessError("cannot start \(executable): \(error)")
        }
        ChildRegistry.shared.add(process.processIdentifier)
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

    public var pid: Int32 { process.processIdentifier }
    public var isRunning: Bool { process.isRunning }
    /// The exit status (128 + the signal for a killed child), or nil while it runs.
    public var exitStatus: Int32? { process.isRunning ? nil : process.terminationStatus }

    /// What it wrote to stdout so far (with stderr too when they share a file).
    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What it wrote to stderr so far.
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Writes one line to its stdin (only with `stdin: true`).
    public func writeLine(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits for the exit; its status, or nil when `timeout` passes first.
    public func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        ChildRegistry.shared.remove(pid)
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace`; always waits for the exit.
    /// Returns the exit status (nil only if even SIGKILL left it running).
    @discardableResult
    public func stop(grace: Duration = .seconds(15)) async -> Int32? {
        if process.isRunning {
            kill(pid, SIGTERM)
            if await wait(timeout: grace) != nil { return process.terminationStatus }
            kill(pid, SIGKILL)
        }
        return await wait(timeout: .seconds(10))
    }

    /// SIGKILL, as a crash or a power cut would, and a bounded wait for the exit.
    public func crash() async {
        if process.isRunning { kill(pid, SIGKILL) }
        _ = await wait(timeout: .seconds(10))
    }

    /// `stop` for places that cannot `await` (a `defer`): SIGTERM, SIGKILL after `grace`,
    /// blocking this thread while it polls (bounded).
    public func terminate(grace: Duration = .seconds(5)) {
        if process.isRunning {
            kill(pid, SIGTERM)
            blockUntilExit(within: grace)
        }
        if process.isRunning {
            kill(pid, SIGKILL)
            blockUntilExit(within: .seconds(10))
        }
        if !process.isRunning { ChildRegistry.shared.remove(pid) }
    }

    /// `crash` for places that cannot `await`.
    public func killNow() {
        if process.isRunning { kill(pid, SIGKILL) }
        blockUntilExit(within: .seconds(10))
    }

    private func blockUntilExit(within limit: Duration) {
        let deadline = ContinuousClock.now + limit
        while process.isRunning, ContinuousClock.now < deadline { usleep(10_000) }
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
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        ChildRegistry.shared.remove(process.processIdentifier)
    }
}

/// A child process that could not be started or did not finish.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
