import BerthProcess
import Foundation
import Glibc

/// What the kernel tests need: root and a few tools. Without them a test is skipped, except
/// under CI=true, where it runs and fails naming what is missing.
enum TestRequirements {
    static let isCI = ProcessInfo.processInfo.environment["CI"] == "true"

    /// For `.enabled(if:)`: run when everything is there, or always under CI.
    static func available(_ tools: [String]) -> Bool {
        isCI || (geteuid() == 0 && tools.allSatisfy { path(of: $0) != nil })
    }

    /// Fails (throws) naming the first missing requirement.
    static func require(_ tools: [String]) throws {
        guard geteuid() == 0 else { throw RequirementError("these tests need root (namespaces, cgroups, mounts)") }
        for tool in tools where path(of: tool) == nil {
            throw RequirementError("missing tool: \(tool) (Debian: \(package(of: tool)))")
        }
    }

    static func path(of tool: String) -> String? { ExecutableSearch.find(tool) }

    private static func package(of tool: String) -> String {
        ["ip": "iproute2", "busybox": "busybox-static"][tool] ?? tool
    }
}

struct RequirementError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
