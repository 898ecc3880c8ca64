import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr go to files, so no pipe can fill up and stall it
/// (or the test reading it), and so its output is there to read after a failure.
///
/// Started with posix_spawn and reaped with `waitpid(pid, WNOHANG)`, not Foundation's
/// `Process`: `Process.run()` crashed inside Foundation (a memcpy from a bad pointer) when many
/// tests started children at once, and its `waitUntilExit` spins a run loop that a Swift
/// concurrency thread may never drive. The child gets only stdin, stdout and stderr (every other
/// descriptor of this process closed), default signal handling and an empty signal mask. Waits
/// are bounded polls. Every child is listed in `ChildRegistry`, so berth-bench can stop them all
/// on Ctrl-C; one still running when its object goes away is killed.
public final class ChildProcess: Sendable {
    public let name: String
    public let stdoutPath: String
    /// The same file as `stdoutPath` when both streams go to one log.
    public let stderrPath: String
    public let pid: Int32
    /// The write end of its stdin pipe (with `stdin: true`), else -1.
    private let input: Int32
    /// The exit status once reaped (128 + the signal for a killed child).
    private let reaped = Mutex<Int32?>(nil)

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
        let flags = O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC
        let out = open(stdoutPath, flags, 0o644)
        guard out >= 0 else { throw ChildProcessError("cannot create \(stdoutPath): \(String(cString: strerror(errno)))") }
        defer { close(out) }
        let err = stderrPath == stdoutPath ? out : open(stderrPath, flags, 0o644)
        guard err >= 0 else { throw ChildProcessError("cannot create \(stderrPath): \(String(cString: strerror(errno)))") }
        defer { if err != out { close(err) } }
        var pipeEnds: [Int32] = [-1, -1]
        if stdin {
            guard pipe(&pipeEnds) == 0 else { throw ChildProcessError("pipe: \(String(cString: strerror(errno)))") }
            for fd in pipeEnds { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        } else {
            pipeEnds[0] = open("/dev/null", O_RDONLY | O_CLOEXEC)
        }
        defer { close(pipeEnds[0]) }

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, pipeEnds[0], 0)
        posix_spawn_file_actions_adddup2(&actions, out, 1)
        posix_spawn_file_actions_adddup2(&actions, err, 2)
        if let closeFrom = Self.addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { $0.map { strdup("\($0.key)=\($0.value)") } + [nil] }
        defer { envp?.forEach { free($0) } }
        var child: pid_t = 0
        let status = envp.map { posix_spawn(&child, executable, &actions, &attributes, argv, $0) }
            ?? posix_spawn(&child, executable, &actions, &attributes, argv, environ)
        guard status == 0 else {
            if stdin { close(pipeEnds[1]) }
            throw ChildProcessError("cannot start \(executable): \(String(cString: strerror(status)))")
        }
        pid = child
        input = stdin ? pipeEnds[1] : -1
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

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not declare (it needs _GNU_SOURCE): looked up once. Without it a child inherits
    /// whatever descriptors this process left open without close-on-exec.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()

    /// Reaps the child if it has exited (never blocks); its status, or nil while it runs.
    private func reap() -> Int32? {
        reaped.withLock { status in
            if let status { return status }
            var raw: Int32 = 0
            let result = waitpid(pid, &raw, WNOHANG)
            if result == pid {
                status = (raw & 0x7f) == 0 ? (raw >> 8) & 0xff : 128 + (raw & 0x7f)
            } else if result < 0, errno == ECHILD {
                status = -1  // reaped by someone else: gone, status unknown
            }
            return status
        }
    }

    /// What it wrote to stdout so far (with stderr too when they share a file).
    public var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    /// What it wrote to stderr so far.
    public var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    /// Writes one line to its stdin (only with `stdin: true`).
    public func writeLine(_ line: String) {
        guard input >= 0 else { return }
        let bytes = Array((line + "\n").utf8)
        var written = 0
        while written < bytes.count {
            let n = bytes[written...].withUnsafeBytes { write(input, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            written += n
        }
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
            kill(pid, SIGTERM)
            if let status = await wait(timeout: grace) { return status }
            kill(pid, SIGKILL)
        }
        return await wait(timeout: .seconds(10))
    }

    /// SIGKILL, as a crash or a power cut would, and a bounded wait for the exit.
    public func crash() async {
        if isRunning { kill(pid, SIGKILL) }
        _ = await wait(timeout: .seconds(10))
    }

    /// `stop` for places that cannot `await` (a `defer`): SIGTERM, SIGKILL after `grace`,
    /// blocking this thread while it polls (bounded).
    public func terminate(grace: Duration = .seconds(5)) {
        if isRunning {
            kill(pid, SIGTERM)
            blockUntilExit(within: grace)
        }
        if isRunning {
            kill(pid, SIGKILL)
            blockUntilExit(within: .seconds(10))
        }
        if !isRunning { ChildRegistry.shared.remove(pid) }
    }

    /// `crash` for places that cannot `await`.
    public func killNow() {
        if isRunning { kill(pid, SIGKILL) }
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
            kill(pid, SIGKILL)
            blockUntilExit(within: .seconds(10))
        }
        if input >= 0 { close(input) }
        ChildRegistry.shared.remove(pid)
    }
}

/// A child process that could not be started or did not finish.
public struct ChildProcessError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
