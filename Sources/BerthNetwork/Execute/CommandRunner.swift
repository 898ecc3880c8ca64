import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Runs a tool with bytes on its stdin and collects stdout and stderr: posix_spawn and poll,
/// no shell. Counts every process it starts, since processes per attach is what attach costs.
public final class CommandRunner: Sendable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    private let spawned = Atomic<Int>(0)
    private let paths: Mutex<[String: String]> = Mutex([:])

    /// Ignores SIGPIPE for the process (as SwiftNIO does): a tool that exits before reading all
    /// of its batch must fail with an error, not kill the agent.
    public init() { signal(SIGPIPE, SIG_IGN) }

    /// Processes started so far.
    public var processCount: Int { spawned.load(ordering: .relaxed) }

    /// Runs `arguments` (the first is the tool, looked up in PATH and the sbin folders).
    public func run(_ arguments: [String], input: Data = Data()) throws(HostNetworkError) -> Output {
        let tool = try resolve(arguments[0])
        spawned.add(1, ordering: .relaxed)
        do { return try spawn([tool] + arguments.dropFirst(), input: input) }
        catch let error as HostNetworkError { throw error }
        catch { throw .commandFailed(command: arguments.joined(separator: " "), line: nil, status: -1, stderr: "\(error)") }
    }

    /// Runs and throws with the command and its stderr when it exits non-zero.
    @discardableResult
    public func check(_ arguments: [String], input: Data = Data()) throws(HostNetworkError) -> Output {
        let output = try run(arguments, input: input)
        guard output.status == 0 else {
            throw .commandFailed(command: arguments.joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
        }
        return output
    }

    /// The absolute path of `tool`, or an error naming it.
    public func resolve(_ tool: String) throws(HostNetworkError) -> String {
        if tool.hasPrefix("/") { return tool }
        if let known = paths.withLock({ $0[tool] }) { return known }
        let search = (ProcessInfo.processInfo.environment["PATH"] ?? "").split(separator: ":").map(String.init) + ["/usr/sbin", "/sbin", "/usr/bin", "/bin"]
        for folder in search where access(folder + "/" + tool, X_OK) == 0 {
            paths.withLock { $0[tool] = folder + "/" + tool }
            return folder + "/" + tool
        }
        throw .commandFailed(command: tool, line: nil, status: 127, stderr: "\(tool) is not installed (not found in PATH, /usr/sbin or /sbin)")
    }

    private func spawn(_ argv: [String], input: Data) throws -> Output {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0], errPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0, pipe(&errPipe) == 0 else {
            throw HostNetworkError.commandFailed(command: argv.joined(separator: " "), line: nil, status: -1, stderr: "pipe: \(String(cString: strerror(errno)))")
        }
        // Close-on-exec, so no other child inherits these ends (the dup2s below clear it on 0-2).
        for fd in inPipe + outPipe + errPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&actions, outPipe[1], 1)
        posix_spawn_file_actions_adddup2(&actions, errPipe[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigdefault(&attributes, &all)
        var none = sigset_t()
        sigemptyset(&none)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))

        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let status = posix_spawn(&pid, argv[0], &actions, &attributes, cArgs, environ)
        close(inPipe[0]); close(outPipe[1]); close(errPipe[1])
        guard status == 0 else {
            close(inPipe[1]); close(outPipe[0]); close(errPipe[0])
            throw HostNetworkError.commandFailed(command: argv.joined(separator: " "), line: nil, status: -1, stderr: "cannot start: \(String(cString: strerror(status)))")
        }
        let (stdout, stderr) = Self.pump(input: input, stdin: inPipe[1], stdout: outPipe[0], stderr: errPipe[0])
        var exit: Int32 = 0
        while waitpid(pid, &exit, 0) < 0 && errno == EINTR {}
        let code: Int32 = (exit & 0x7f) == 0 ? (exit >> 8) & 0xff : 128 + (exit & 0x7f)
        return Output(status: code, stdout: stdout, stderr: String(decoding: stderr, as: UTF8.self))
    }

    /// Writes stdin and drains stdout and stderr together, so a large batch cannot deadlock
    /// against a tool that writes while it reads.
    private static func pump(input: Data, stdin: Int32, stdout: Int32, stderr: Int32) -> (Data, Data) {
        var out = Data(), err = Data()
        var written = 0
        var inFD: Int32 = stdin
        if input.isEmpty { close(inFD); inFD = -1 } else { _ = fcntl(inFD, F_SETFL, fcntl(inFD, F_GETFL) | O_NONBLOCK) }
        var open: Set<Int32> = [stdout, stderr]
        var buffer = [UInt8](repeating: 0, count: 65536)
        while !open.isEmpty || inFD >= 0 {
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            if inFD >= 0 { fds.append(pollfd(fd: inFD, events: Int16(POLLOUT), revents: 0)) }
            guard poll(&fds, nfds_t(fds.count), -1) >= 0 else { if errno == EINTR { continue } else { break } }
            for fd in fds where fd.revents != 0 {
                if fd.fd == inFD {
                    let n = input.withUnsafeBytes { raw in write(inFD, raw.baseAddress! + written, raw.count - written) }
                    if n > 0 { written += n }
                    if n < 0 && errno != EAGAIN && errno != EINTR || written == input.count { close(inFD); inFD = -1 }
                } else {
                    let n = read(fd.fd, &buffer, buffer.count)
                    if n > 0 {
                        if fd.fd == stdout { out.append(contentsOf: buffer[0..<n]) } else { err.append(contentsOf: buffer[0..<n]) }
                    } else if n == 0 || (errno != EINTR && errno != EAGAIN) {
                        close(fd.fd); open.remove(fd.fd)
                    }
                }
            }
        }
        return (out, err)
    }
}
