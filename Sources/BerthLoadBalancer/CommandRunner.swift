import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

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
        let output = open(outputPath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard output >= 0 else { return Result(status: -1, output: "cannot create a temporary file for the output of \(executable)") }
        defer { unlink(outputPath) }
        let started = Spawned.start(executable, arguments, environment: ProcessInfo.processInfo.environment.merging(environment) { $1 }, output: output)
        close(output)
        guard case .success(let pid) = started else {
            if case .failure(let error) = started { return Result(status: -1, output: "cannot start \(executable): \(error)") }
            return Result(status: -1, output: "cannot start \(executable)")
        }
        let running = RunningProcess(pid)
        DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { running.terminateIfRunning() }
        let raw = running.waitForExit()
        var text = String(decoding: FileManager.default.contents(atPath: outputPath) ?? Data(), as: UTF8.self)
        let signal = raw & 0x7f
        if signal != 0 {
            text += "\n(killed by signal \(signal)\(running.timedOut ? " after the \(Int(timeout))s time limit" : ""))"
            return Result(status: 128 + signal, output: text)
        }
        return Result(status: (raw >> 8) & 0xff, output: text)
    }
}

/// Starts a program with posix_spawn, not Foundation's `Process`, whose `run()` crashed (a memcpy
/// from a bad pointer) when many threads of one process started children at once. The child
/// reads /dev/null, writes both streams to `output`, gets no other descriptor of this process
/// (so a daemon a reload command starts holds none of `berth lb`'s), default signal handling,
/// and leads a process group of its own, so a time limit can stop what `sh -c` started too.
enum Spawned {
    struct Failure: Error, CustomStringConvertible { var description: String }

    static func start(_ executable: String, _ arguments: [String], environment: [String: String], output: Int32) -> Swift.Result<pid_t, Failure> {
        let input = open("/dev/null", O_RDONLY | O_CLOEXEC)
        guard input >= 0 else { return .failure(Failure(description: "cannot open /dev/null")) }
        defer { close(input) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, input, 0)
        posix_spawn_file_actions_adddup2(&actions, output, 1)
        posix_spawn_file_actions_adddup2(&actions, output, 2)
        if let closeFrom = addCloseFrom { _ = closeFrom(&actions, 3) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t(), none = sigset_t()
        sigfillset(&all)
        sigemptyset(&none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { envp.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
        guard status == 0 else { return .failure(Failure(description: String(cString: strerror(status)))) }
        return .success(pid)
    }

    /// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module
    /// does not declare (it needs _GNU_SOURCE): looked up once. Without it a child inherits
    /// whatever descriptors this process left open without close-on-exec.
    private static let addCloseFrom: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32)? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)
    }()
}

/// Lets the timeout handler, on another queue, stop a child that is still running: the lock
/// orders its signal against the reaping, so a reaped (and maybe reused) pid is never signalled.
private final class RunningProcess: Sendable {
    private let pid: pid_t
    private let state = Mutex<(exited: Bool, timedOut: Bool)>((false, false))

    init(_ pid: pid_t) {
        self.pid = pid
    }

    var timedOut: Bool { state.withLock { $0.timedOut } }

    /// Blocks until the child exits; its raw wait status. The exit is recorded under the lock
    /// before the pid can be reused, as far as this process can tell: waitid with WNOWAIT
    /// leaves it unreaped while the flag is set.
    func waitForExit() -> Int32 {
        var info = siginfo_t()
        while waitid(P_PID, id_t(pid), &info, WEXITED | WNOWAIT) < 0 && errno == EINTR {}
        state.withLock { $0.exited = true }
        var raw: Int32 = 0
        while waitpid(pid, &raw, 0) < 0 && errno == EINTR {}
        return raw
    }

    /// Signals the whole process group (the child leads it), so the programs `/bin/sh -c`
    /// started stop too.
    func terminateIfRunning() {
        state.withLock { state in
            guard !state.exited else { return }
            state.timedOut = true
            if kill(-pid, SIGTERM) != 0 { kill(pid, SIGTERM) }
        }
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
