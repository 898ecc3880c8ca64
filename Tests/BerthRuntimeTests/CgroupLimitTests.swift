import Foundation
import BerthTesting
import Testing

@testable import BerthRuntime

/// Limits land in the kernel's files, and the kernel enforces them.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip"])))
struct CgroupLimitTests {
    @Test func limitsAreWrittenAndTheContainerIsInItsCgroups() async throws {
        try await RuntimeFixture.with("limits") { fixture in
            let limits = ContainerLimits(memoryMiB: 64, cpuMillicores: 250, pidsMax: 32)
            let pid = try await fixture.runtime.start(fixture.spec("l1", ["sleep", "3600"], limits: limits))
            let cgroups = fixture.runtime.cgroups
            let memory = try #require(cgroups.directory(for: "memory", scope: fixture.name, id: "l1"))
            let cpu = try #require(cgroups.directory(for: "cpu", scope: fixture.name, id: "l1"))
            let pids = try #require(cgroups.directory(for: "pids", scope: fixture.name, id: "l1"))

            switch cgroups.version {
            case .v1:
                #expect(read(memory, "memory.limit_in_bytes") == "67108864")
                if ControlFile.exists(memory + "/memory.memsw.limit_in_bytes") {
                    #expect(read(memory, "memory.memsw.limit_in_bytes") == "67108864")
                }
                #expect(read(cpu, "cpu.cfs_period_us") == "100000")
                #expect(read(cpu, "cpu.cfs_quota_us") == "25000")
            case .v2:
                #expect(read(memory, "memory.max") == "67108864")
                #expect(read(cpu, "cpu.max") == "25000 100000")
            }
            #expect(read(pids, "pids.max") == "32")
            // The init and the command (and nothing else) are members of every hierarchy.
            for directory in cgroups.directories(scope: fixture.name, id: "l1") {
                let members = (read(directory, "cgroup.procs") ?? "").split(separator: "\n").compactMap { Int32($0) }
                #expect(members.contains(pid), "\(directory)")
                #expect(members.count == 2, "\(directory): \(members)")
            }
            let exit = await fixture.runtime.stop("l1", grace: .seconds(5))
            #expect(exit?.signal == 15 || exit?.code == 143, "sleep dies of the forwarded SIGTERM: \(String(describing: exit))")
        }
    }

    /// millicores → CFS quota per 100 ms period, 0 meaning no limit.
    @Test(arguments: [(0, "-1", "max 100000"), (100, "10000", "10000 100000"), (1500, "150000", "150000 100000")])
    func cpuQuotaFollowsMillicores(millicores: Int, v1Quota: String, v2Max: String) async throws {
        try await RuntimeFixture.with("cpu\(millicores)") { fixture in
            let cgroups = fixture.runtime.cgroups
            try cgroups.create(scope: fixture.name, id: "q", limits: ContainerLimits(cpuMillicores: millicores))
            let cpu = try #require(cgroups.directory(for: "cpu", scope: fixture.name, id: "q"))
            switch cgroups.version {
            case .v1: #expect(read(cpu, "cpu.cfs_quota_us") == v1Quota)
            case .v2: #expect(read(cpu, "cpu.max") == v2Max)
            }
            try await cgroups.remove(scope: fixture.name, id: "q")
        }
    }

    @Test func aContainerBeyondItsMemoryLimitIsOOMKilledAndSaysSo() async throws {
        try await RuntimeFixture.with("oom") { fixture in
            // The shell doubles a string until the cgroup's 32 MiB are gone.
            let hog = fixture.spec(
                "hog", ["sh", "-c", "echo before; x=a; while :; do x=$x$x; done"], limits: ContainerLimits(memoryMiB: 32, pidsMax: 16))
            _ = try await fixture.runtime.start(hog)
            let exit = try await fixture.exit(of: "hog", within: .seconds(60))

            #expect(exit.oomKilled)
            #expect(exit.signal == 9)
            #expect(exit.code == 137)
            #expect(exit.reason == "OOM killed (memory limit 32 MiB)")
            #expect(fixture.log("hog").hasPrefix("before\n"))
            #expect((fixture.runtime.cgroups.oomKillCount(scope: fixture.name, id: "hog") ?? 0) >= 1)
        }
    }

    @Test func aContainerWithinItsLimitIsNotCalledOOMKilled() async throws {
        try await RuntimeFixture.with("nooom") { fixture in
            _ = try await fixture.runtime.start(fixture.spec("ok", ["sh", "-c", "exit 3"], limits: ContainerLimits(memoryMiB: 32)))
            let exit = try await fixture.exit(of: "ok")
            #expect(exit == LinuxContainerExit(code: 3))
        }
    }

    @Test func aForkBombStopsAtPidsMax() async throws {
        try await RuntimeFixture.with("pids") { fixture in
            // With 8 pids (the init, the shell, $(seq) …) the shell cannot fork 20 sleeps:
            // dash gives up with "Cannot fork" and exit status 2.
            let script = "for i in $(seq 20); do sleep 3600 & done; echo started; wait"
            _ = try await fixture.runtime.start(fixture.spec("p1", ["sh", "-c", script], limits: ContainerLimits(pidsMax: 8)))
            let exit = try await fixture.exit(of: "p1")
            #expect(exit.code == 2)
            #expect(fixture.log("p1").contains("Cannot fork"))
            #expect(!fixture.log("p1").contains("started"))
            let pids = try #require(fixture.runtime.cgroups.directory(for: "pids", scope: fixture.name, id: "p1"))
            if let events = ControlFile.counter("max", in: pids + "/pids.events") {
                #expect(events >= 1, "the kernel counted refused forks")
            }
        }
    }

    private func read(_ directory: String, _ file: String) -> String? {
        ControlFile.read(directory + "/" + file)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
