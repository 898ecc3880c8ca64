import BerthNetwork
import Foundation
import Testing

/// Live tests need root, `ip`, `nft`, `bridge`, busybox and python3. A missing one fails the test
/// naming it when CI=true, and skips it elsewhere (a laptop without nftables).
enum RequiredTools {
    static let live = ["ip", "nft", "bridge", "busybox", "python3"]

    /// The first missing tool (or "root"), or nil when everything is there.
    static func missing(_ tools: [String] = live) -> String? {
        if getuid() != 0 { return "root (network namespaces need CAP_NET_ADMIN)" }
        let runner = ToolRunner()
        return tools.first { (try? runner.resolve($0)) == nil }
    }

    static var isCI: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// For `.enabled(if:)`: run when all tools are there, or under CI (where the test then fails
    /// in `require()` naming the tool).
    static var available: Bool { isCI || missing() == nil }

    /// Fails naming the missing tool; call first in every live test.
    static func require(_ tools: [String] = live) throws {
        if let tool = missing(tools) {
            Issue.record("required tool missing: \(tool)")
            throw MissingTool(name: tool)
        }
    }

    struct MissingTool: Error, CustomStringConvertible {
        var name: String
        var description: String { "required tool missing: \(name)" }
    }
}
