import BerthHarness
import Testing
#if canImport(Glibc)
import Glibc
#endif

extension Trait where Self == ConditionTrait {
    /// `@Test(.requires("haproxy"))`: the test runs only where the external programs it runs are
    /// installed (looked up as `Tools.find` does). Without one it is skipped on a developer's
    /// machine, and under `CI=true` it fails naming what is missing, so CI never passes a test
    /// that did not run. `scripts/test` installs every tool a test names.
    public static func requires(_ tools: String...) -> Self {
        let missing = tools.filter { Tools.find($0) == nil }
        return .enabled(
            if: try Tools.checkAvailable(missing),
            missing.isEmpty ? nil : Comment(rawValue: "\(ToolMissing(tools: missing))")
        )
    }
}

extension Tools {
    /// The tool's full path, for use in a test's body. Missing, it skips the test (cancels it),
    /// or under `CI=true` fails it naming the tool.
    public static func require(_ name: String) throws -> String {
        guard let found = find(name) else {
            _ = try checkAvailable([name])
            try Test.cancel(Comment(rawValue: "skipped: \(ToolMissing(tools: [name]))"))
        }
        return found
    }

    /// Whether nothing is missing; throws (a failure, not a skip) when something is and this is CI.
    static func checkAvailable(_ missing: [String]) throws -> Bool {
        guard !missing.isEmpty else { return true }
        if isCI { throw CIMissingTool(missing: ToolMissing(tools: missing)) }
        return false
    }
}

/// A tool missing under `CI=true`: a failure, since a skipped test would pass CI unrun.
struct CIMissingTool: Error, CustomStringConvertible {
    var missing: ToolMissing
    var description: String { "CI=true and a tool this test needs is missing: \(missing)" }
}

extension Trait where Self == ConditionTrait {
    /// `@Suite(.requiresRoot)`: the test makes network namespaces, cgroups or mounts. As a
    /// normal user it is skipped; under `CI=true` (which runs as root) it fails instead.
    public static var requiresRoot: Self {
        .enabled(
            if: try Tools.checkRoot(),
            getuid() == 0 ? nil : Comment(rawValue: "needs root (network namespaces, cgroups, mounts)")
        )
    }
}

extension Tools {
    /// Whether this process is root; throws (a failure, not a skip) when it is not and this is CI.
    static func checkRoot() throws -> Bool {
        if getuid() == 0 { return true }
        if isCI { throw CINotRoot() }
        return false
    }
}

/// Not root under `CI=true`: a failure, since a skipped test would pass CI unrun.
struct CINotRoot: Error, CustomStringConvertible {
    var description: String { "CI=true and this test needs root (network namespaces, cgroups, mounts), but runs as uid \(getuid())" }
}
