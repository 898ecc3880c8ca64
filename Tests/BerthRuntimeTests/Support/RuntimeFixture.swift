import Foundation
import Glibc
import Testing

@testable import BerthRuntime

/// One test's world: a scope and a network namespace named `<run prefix>-<label>`, a
/// directory under /var/tmp (not /tmp: containers get a private /tmp, and some tests share
/// files with them), and a runtime over it. `with` tears all of it down, also after a
/// failure, and on success expects that nothing was left behind.
struct RuntimeFixture {
    /// "bt" + 4 random hex digits: every name this run creates carries it.
    static let runPrefix = "bt" + String(UInt16.random(in: 0x1000...0xffff), radix: 16)

    let name: String
    let directory: String
    let runtime: LinuxRuntime

    var networkNamespace: String { "/run/netns/\(name)" }
    var stateDirectory: String { directory + "/state" }
    func logPath(_ id: String) -> String { directory + "/logs/\(id).log" }
    func path(_ file: String) -> String { directory + "/" + file }

    static func with(
        _ label: String, tools: [String] = ["ip"], startTimeout: Duration = .seconds(10),
        _ body: (RuntimeFixture) async throws -> Void
    ) async throws {
        try TestRequirements.require(tools)
        let name = "\(runPrefix)-\(label)"
        let directory = "/var/tmp/berth-runtime-tests/\(name)"
        try? FileManager.default.removeItem(atPath: directory)
        try FileManager.default.createDirectory(atPath: directory + "/logs", withIntermediateDirectories: true)
        try Shell.run(["ip", "netns", "add", name])
        let runtime: LinuxRuntime
        do {
            // BERTH_INIT_PATH tries another build of berth-init (release, static stdlib).
            let initPath = ProcessInfo.processInfo.environment["BERTH_INIT_PATH"]
            runtime = try LinuxRuntime(.init(stateDirectory: directory + "/state", scope: name, initPath: initPath, startTimeout: startTimeout))
        } catch {
            _ = try? Shell.run(["ip", "netns", "delete", name])
            throw error
        }
        let fixture = RuntimeFixture(name: name, directory: directory, runtime: runtime)
        do {
            try await body(fixture)
        } catch {
            _ = await fixture.tearDown()
            throw error
        }
        let leftovers = await fixture.tearDown()
        #expect(leftovers.isEmpty, "left behind: \(leftovers)")
    }

    /// Removes every container, the scope's cgroups, the namespace and the directory.
    /// Returns what could not be removed.
    func tearDown() async -> [String] {
        var leftovers: [String] = []
        for listing in runtime.list() {
            do { try await runtime.remove(listing.id) } catch { leftovers.append("\(listing.id): \(error)") }
        }
        if !runtime.cgroups.removeScope(name) { leftovers.append("cgroup scope \(name)") }
        // The shared parent goes too once no other test's scope is in it.
        for hierarchy in runtime.cgroups.hierarchies { rmdir("\(hierarchy.mountPoint)/\(runtime.cgroups.parent)") }
        if (try? Shell.run(["ip", "netns", "delete", name])) == nil { leftovers.append("netns \(name)") }
        try? FileManager.default.removeItem(atPath: directory)
        rmdir((directory as NSString).deletingLastPathComponent)
        return leftovers
    }

    /// A spec in this fixture's network namespace, logging into its directory.
    func spec(
        _ id: String, _ command: [String], environment: [String: String] = [:], rootfs: String? = nil,
        resolvConf: String? = nil, limits: ContainerLimits = ContainerLimits()
    ) -> LinuxContainerSpec {
        LinuxContainerSpec(
            id: id, hostname: "\(id).\(name)", command: command, environment: environment, rootfs: rootfs,
            resolvConf: resolvConf, networkNamespace: networkNamespace, logPath: logPath(id), limits: limits)
    }

    /// Polls `status` until the container has exited.
    func exit(of id: String, within timeout: Duration = .seconds(20)) async throws -> LinuxContainerExit {
        var exit: LinuxContainerExit?
        _ = await eventually(within: timeout) {
            exit = runtime.status(id)?.exit
            return exit != nil
        }
        return try #require(exit, "container \(id) did not exit within \(timeout)")
    }

    func log(_ id: String) -> String {
        (try? String(contentsOfFile: logPath(id), encoding: .utf8)) ?? ""
    }

    /// `key=value` lines a container printed, as a dictionary.
    func values(in id: String) -> [String: String] {
        var values: [String: String] = [:]
        for line in log(id).split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            values[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return values
    }
}
