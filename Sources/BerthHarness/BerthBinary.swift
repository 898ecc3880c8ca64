import Foundation

/// The `berth` binary this checkout built, run as a real child process.
public enum BerthBinary {
    /// The repository this file is in (Sources/BerthHarness/ is two folders down).
    public static let repositoryRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// `.build/debug/berth` (or the release one when only that was built).
    public static var path: String {
        let candidates = ["debug", "release"].map { repositoryRoot.appendingPathComponent(".build/\($0)/berth").path }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) } ?? candidates[0]
    }

    /// Runs a berth command to completion (bounded by `timeout`). `token` is passed as
    /// `BERTH_TOKEN`, as a user would export it.
    public static func run(_ arguments: [String], token: String? = nil, timeout: Duration = .seconds(60)) async throws -> ChildProcess.Finished {
        try await ChildProcess.run(path, arguments, environment: environment(token: token), timeout: timeout)
    }

    /// This process's environment with `BERTH_TOKEN` set to `token` (or removed).
    public static func environment(token: String?) -> [String: String] {
        var environment = ProcessInfo.processInfo.environment
        environment["BERTH_TOKEN"] = token
        return environment
    }
}
