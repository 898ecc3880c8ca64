import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// A child process whose stdout and stderr go to files in the scratch folder, so that no pipe
/// can fill up and stall it. Every child is registered so that Ctrl-C stops it too.
final class ChildProcess {
    let name: String
    let stdoutPath: String
    let stderrPath: String
    private let process: Process
    private let input: Pipe?

    init(name: String, executable: String, arguments: [String], directory: String, stdin: Bool = false) throws {
        self.name = name
        stdoutPath = "\(directory)/\(name).out"
        stderrPath = "\(directory)/\(name).err"
        for path in [stdoutPath, stderrPath] {
            guard FileManager.default.createFile(atPath: path, contents: nil) else { throw BenchError("cannot create \(path)") }
        }
        process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle(forWritingAtPath: stdoutPath)
        process.standardError = FileHandle(forWritingAtPath: stderrPath)
        input = stdin ? Pipe() : nil
        process.standardInput = input ?? FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw BenchError("cannot start \(executable): \(error)")
        }
        ChildRegistry.shared.add(process.processIdentifier)
    }

    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    var output: String { (try? String(contentsOfFile: stdoutPath, encoding: .utf8)) ?? "" }
    var errors: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func writeLine(_ line: String) {
        input?.fileHandleForWriting.write(Data((line + "\n").utf8))
    }

    /// Waits for the exit; nil when `timeout` passes first.
    func wait(timeout: Duration) async -> Int32? {
        let deadline = ContinuousClock.now + timeout
        while process.isRunning {
            guard ContinuousClock.now < deadline else { return nil }
            try? await Task.sleep(for: .milliseconds(10))
        }
        ChildRegistry.shared.remove(pid)
        return process.terminationStatus
    }

    /// SIGTERM, then SIGKILL if it is still there after `grace`; always waits for the exit.
    func stop(grace: Duration = .seconds(15)) async {
        guard process.isRunning else {
            ChildRegistry.shared.remove(pid)
            return
        }
        kill(pid, SIGTERM)
        if await wait(timeout: grace) == nil {
            kill(pid, SIGKILL)
            _ = await wait(timeout: .seconds(10))
        }
    }

    /// Runs a command to completion and returns its stdout; throws with its stderr on failure.
    static func run(
        _ executable: String, _ arguments: [String], name: String, directory: String, timeout: Duration
    ) async throws -> String {
        let child = try ChildProcess(name: name, executable: executable, arguments: arguments, directory: directory)
        guard let status = await child.wait(timeout: timeout) else {
            await child.stop(grace: .seconds(5))
            throw BenchError("\(name) did not finish within \(timeout)")
        }
        guard status == 0 else {
            throw BenchError("\(name) failed (exit \(status)): \(child.errors.suffix(2000))")
        }
        return child.output
    }
}

/// The children alive now; on SIGINT or SIGTERM they are stopped before berth-bench exits.
final class ChildRegistry: Sendable {
    static let shared = ChildRegistry()

    private struct State {
        var pids: Set<Int32> = []
        var sources: [any DispatchSourceSignal] = []
    }

    private let state = Mutex(State())

    func add(_ pid: Int32) { state.withLock { _ = $0.pids.insert(pid) } }
    func remove(_ pid: Int32) { state.withLock { _ = $0.pids.remove(pid) } }

    func installSignalHandlers() {
        state.withLock { state in
            guard state.sources.isEmpty else { return }
            for signo in [SIGINT, SIGTERM] {
                signal(signo, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signo, queue: .global())
                source.setEventHandler { [self] in stopAll(exitCode: 128 + signo) }
                source.resume()
                state.sources.append(source)
            }
        }
    }

    private func stopAll(exitCode: Int32) {
        let pids = state.withLock { $0.pids }
        for pid in pids { kill(pid, SIGTERM) }
        var waited = 0
        while waited < 40, pids.contains(where: { kill($0, 0) == 0 }) {
            usleep(50_000)
            waited += 1
        }
        for pid in pids where kill(pid, 0) == 0 { kill(pid, SIGKILL) }
        FileHandle.standardError.write(Data("berth-bench: interrupted; stopped \(pids.count) child process(es)\n".utf8))
        exit(exitCode)
    }
}
