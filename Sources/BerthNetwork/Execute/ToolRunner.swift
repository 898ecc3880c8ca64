import BerthProcess
import Foundation
import Synchronization

/// Runs the kernel's network tools (`ip`, `nft`, `sysctl`, `conntrack`) with bytes on their
/// stdin and collects stdout and stderr, through BerthProcess (posix_spawn, no shell). Counts
/// every process it starts, since processes per attach is what attach costs.
///
/// Synchronous by design: the executor calls it from its own dispatch queue or namespace
/// thread, one blocking call per tool.
public final class ToolRunner: Sendable {
    public struct Output: Sendable {
        public var status: Int32
        public var stdout: Data
        public var stderr: String
    }

    private let spawned = Atomic<Int>(0)
    private let paths: Mutex<[String: String]> = Mutex([:])

    /// A tool that exits before reading all of its batch fails with an error rather than
    /// killing the agent: BerthProcess ignores SIGPIPE before it first writes to a child.
    public init() {}

    /// Processes started so far.
    public var processCount: Int { spawned.load(ordering: .relaxed) }

    /// Runs `arguments` (the first is the tool, looked up in PATH and the sbin folders).
    public func run(_ arguments: [String], input: Data = Data()) throws(HostNetworkError) -> Output {
        let tool = try resolve(arguments[0])
        spawned.add(1, ordering: .relaxed)
        let spec = ProcessSpec(
            tool, Array(arguments.dropFirst()),
            standardInput: input.isEmpty ? .null : .pipe, standardOutput: .pipe, standardError: .pipe
        )
        do {
            let result = try spec.run(input: input)
            return Output(status: result.status, stdout: result.standardOutput, stderr: String(decoding: result.standardError, as: UTF8.self))
        } catch {
            throw .commandFailed(command: arguments.joined(separator: " "), line: nil, status: -1, stderr: "\(error)")
        }
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

    /// The absolute path of `tool` (looked up once, then remembered), or an error naming it.
    public func resolve(_ tool: String) throws(HostNetworkError) -> String {
        if tool.hasPrefix("/") { return tool }
        if let known = paths.withLock({ $0[tool] }) { return known }
        guard let found = ExecutableSearch.find(tool) else {
            throw .commandFailed(command: tool, line: nil, status: 127, stderr: ProcessError.notFound(tool).description)
        }
        paths.withLock { $0[tool] = found }
        return found
    }
}
