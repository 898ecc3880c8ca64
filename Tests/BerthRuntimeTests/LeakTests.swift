import Foundation
import Glibc
import BerthTesting
import Testing

@testable import BerthRuntime

/// Whatever an agent killed at any moment leaves behind is listed and removable.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip"])))
struct LeakTests {
    @Test func removeLeavesNoCgroupNoProcessNoStateButKeepsTheLog() async throws {
        try await RuntimeFixture.with("leak") { fixture in
            let runtime = fixture.runtime
            let script = "echo hello; sleep 3600 & sleep 3600"
            let pid = try await runtime.start(fixture.spec("k1", ["sh", "-c", script], limits: ContainerLimits(memoryMiB: 64)))
            let monitor = try #require(runtime.state("k1").monitorPID())
            #expect(await eventually { runtime.cgroups.members(scope: fixture.name, id: "k1").count == 4 })
            let members = runtime.cgroups.members(scope: fixture.name, id: "k1")

            try await runtime.remove("k1")

            for directory in runtime.cgroups.directories(scope: fixture.name, id: "k1") {
                #expect(!FileManager.default.fileExists(atPath: directory), "\(directory)")
            }
            for process in members + [pid, monitor] {
                #expect(await eventually { !isRunning(process) }, "pid \(process) still runs")
            }
            #expect(!FileManager.default.fileExists(atPath: runtime.state("k1").path))
            #expect(runtime.status("k1") == nil)
            #expect(runtime.list().isEmpty)
            #expect(fixture.log("k1") == "hello\n")
            // Removing again is harmless.
            try await runtime.remove("k1")
        }
    }

    @Test func aHalfMadeCgroupIsListedAndRemoved() async throws {
        try await RuntimeFixture.with("half") { fixture in
            // An agent killed after making one hierarchy's directory, before any state.
            let runtime = fixture.runtime
            let memory = try #require(runtime.cgroups.directory(for: "memory", scope: fixture.name, id: "h1"))
            try FileManager.default.createDirectory(atPath: memory, withIntermediateDirectories: true)

            let listing = try #require(runtime.list().first)
            #expect(listing.id == "h1")
            #expect(listing.hasCgroup)
            #expect(!listing.hasState)
            #expect(listing.status.exit?.reason == "leftover cgroup without runtime state")

            try await runtime.remove("h1")
            #expect(!FileManager.default.fileExists(atPath: memory))
            #expect(runtime.list().isEmpty)
        }
    }

    @Test func aStateDirectoryWithoutAProcessIsListedAndRemoved() async throws {
        try await RuntimeFixture.with("stale", startTimeout: .milliseconds(300)) { fixture in
            // An agent killed after writing the spec, before spawning berth-init.
            let runtime = fixture.runtime
            let state = runtime.state("s1")
            #expect(try state.create())
            try state.write(fixture.spec("s1", ["true"]))
            try runtime.cgroups.create(scope: fixture.name, id: "s1", limits: ContainerLimits(memoryMiB: 16))

            #expect(runtime.status("s1") == .starting, "within the start timeout it may still be starting")
            #expect(await eventually { runtime.status("s1")?.exit != nil })
            #expect(runtime.status("s1")?.exit?.reason == "never started: berth-init is gone")
            #expect(runtime.list().map(\.id) == ["s1"])

            try await runtime.remove("s1")
            #expect(runtime.list().isEmpty)
            #expect(!runtime.cgroups.exists(scope: fixture.name, id: "s1"))
        }
    }

    @Test func aStartOverALeftoverCgroupReplacesIt() async throws {
        try await RuntimeFixture.with("reuse") { fixture in
            let runtime = fixture.runtime
            let pids = try #require(runtime.cgroups.directory(for: "pids", scope: fixture.name, id: "r1"))
            try FileManager.default.createDirectory(atPath: pids, withIntermediateDirectories: true)
            _ = try await runtime.start(fixture.spec("r1", ["sh", "-c", "exit 0"], limits: ContainerLimits(pidsMax: 10)))
            #expect(try await fixture.exit(of: "r1") == LinuxContainerExit(code: 0))
            await #expect(throws: LinuxRuntimeError.alreadyExists(id: "r1")) {
                try await runtime.start(fixture.spec("r1", ["true"]))
            }
        }
    }

    /// Alive and not a zombie (a zombie has an empty command line).
    private func isRunning(_ pid: Int32) -> Bool {
        guard let text = ControlFile.read("/proc/\(pid)/cmdline") else { return false }
        return !text.isEmpty
    }
}
