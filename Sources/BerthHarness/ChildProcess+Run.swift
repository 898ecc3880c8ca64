import Foundation

extension ChildProcess {
    /// What a command left behind when it ended.
    public struct Finished: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// stdout then stderr, for messages.
        public var output: String { stdout + stderr }
    }

    /// Runs a command to completion and returns its status and output. Throws when it does not
    /// finish within `timeout` (it is stopped first). The output goes through files in a
    /// temporary folder, so a chatty command can never fill a pipe and hang.
    public static func run(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, timeout: Duration = .seconds(60)
    ) async throws -> Finished {
        let folder = try TemporaryFolder(prefix: "berth-run")
        defer { folder.remove() }
        let child = try ChildProcess(name: "run", executable: executable, arguments: arguments, directory: folder.path, environment: environment)
        guard let status = await child.wait(timeout: timeout) else {
            await child.stop(grace: .seconds(5))
            throw ChildProcessError("\(executable) \(arguments.joined(separator: " ").prefix(300)) did not finish within \(timeout): \(child.output.suffix(2000))")
        }
        return Finished(status: status, stdout: child.output, stderr: child.errors)
    }
}
