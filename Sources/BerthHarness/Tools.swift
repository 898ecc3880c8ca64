import BerthProcess
import Foundation

/// The external programs tests and benchmarks run (nginx, haproxy, openssl, curl, python3,
/// sqlite3, …), found the same way everywhere: on `PATH`, then in the sbin folders where Debian
/// puts daemons (`/usr/sbin/nginx`, `/usr/sbin/haproxy`) and which a non-root `PATH` lacks.
///
/// A test that needs a tool says so with the `.requires("haproxy")` trait (BerthTesting): it
/// is skipped when the tool is missing, except under `CI=true`, where it fails naming the tool.
public enum Tools {
    /// The tool's full path, or nil when it is not installed. A name with a slash is a path
    /// and is only checked. (BerthProcess's lookup, which starting a child by name uses too.)
    public static func find(_ name: String) -> String? { ExecutableSearch.find(name) }

    /// The tool's full path; throws `ToolMissing` naming it when it is not installed.
    public static func path(_ name: String) throws -> String {
        guard let found = find(name) else { throw ToolMissing(tools: [name]) }
        return found
    }

    /// Whether this run is CI's (`CI=true`, as `.ci/run` sets and most CI services do): then a
    /// missing tool is a failure, never a skip.
    public static var isCI: Bool {
        ["true", "1", "yes"].contains(ProcessInfo.processInfo.environment["CI"]?.lowercased() ?? "")
    }
}

/// Tools a test needs that are not installed.
public struct ToolMissing: Error, CustomStringConvertible {
    public let tools: [String]

    public init(tools: [String]) { self.tools = tools }

    public var description: String {
        let names = tools.joined(separator: ", ")
        return "\(names) \(tools.count == 1 ? "is" : "are") not installed (looked on PATH and in \(ExecutableSearch.fallbackFolders.joined(separator: ", "))); "
            + "scripts/test installs \(tools.count == 1 ? "it" : "them")"
    }
}
