import Foundation
import Glibc
import Testing

@testable import BerthRuntime

/// Detection rules (from mountinfo text, for the layouts this machine is not) and the v2
/// code paths on a real cgroup2 mount.
struct CgroupsTests {
    static let v1Split = """
        30 25 0:26 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        31 30 0:27 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
        32 30 0:28 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
        33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        34 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        35 30 0:31 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
        36 30 0:32 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        """
    static let v1CoMounted = """
        31 30 0:27 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct
        33 30 0:29 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        34 30 0:30 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
        """
    static let v2 = """
        30 25 0:26 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate
        """

    @Test(arguments: [
        (v1Split, Cgroups.Version.v1, ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpuacct", "/sys/fs/cgroup/pids"]),
        (v1CoMounted, .v1, ["/sys/fs/cgroup/memory", "/sys/fs/cgroup/cpu,cpuacct", "/sys/fs/cgroup/pids"]),
        (v2, .v2, ["/sys/fs/cgroup"]),
    ])
    func detectsTheLayout(mountinfo: String, version: Cgroups.Version, mounts: [String]) throws {
        let found = try #require(Cgroups.detect(mountinfo: mountinfo, parent: "berth") { _ in ["memory", "cpu", "pids"] })
        #expect(found.version == version)
        #expect(Set(found.hierarchies.map(\.mountPoint)) == Set(mounts))
        #expect(found.directory(for: "cpuacct", scope: "s", id: "c") == (version == .v2 ? nil : mounts.first { $0.hasSuffix("cpuacct") }.map { $0 + "/berth/s/c" }))
    }

    @Test func detectsNothingWithoutCgroups() {
        #expect(Cgroups.detect(mountinfo: "30 25 0:26 / / rw - ext4 /dev/vda rw", parent: "berth") { _ in [] } == nil)
    }

    @Test func detectionMatchesThisMachine() throws {
        let found = try Cgroups.detect()
        let unified = FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers")
        #expect(found.version == (unified ? .v2 : .v1))
        for controller in ["memory", "cpu", "pids"] {
            #expect(found.directory(for: controller, scope: "s", id: "c") != nil, "\(controller)")
        }
    }

    /// The v2 paths (subtree_control, cgroup.kill, the device filter) on the cgroup2 mount a hybrid machine has
    /// beside its v1 controllers. It offers none of the limit controllers, so limits there
    /// must be refused rather than silently dropped.
    @Test(.enabled(if: TestRequirements.available(["ip"]) && Self.hybridUnifiedMount != nil))
    func v2MembershipKillAndRemovalOnARealCgroup2() async throws {
        let mount = try #require(Self.hybridUnifiedMount)
        try await RuntimeFixture.with("v2") { fixture in
            let v2 = Cgroups(version: .v2, hierarchies: [.init(mountPoint: mount, controllers: Cgroups.v2Controllers(at: mount))])
            let runtime = try LinuxRuntime(.init(stateDirectory: fixture.stateDirectory + "-v2", scope: fixture.name), cgroups: v2)
            defer {
                v2.removeScope(fixture.name)
                rmdir("\(mount)/\(v2.parent)")
            }

            await #expect(throws: LinuxRuntimeError.controllerMissing(controller: "memory")) {
                try await runtime.start(fixture.spec("m1", ["true"], limits: ContainerLimits(memoryMiB: 16)))
            }
            let pid = try await runtime.start(fixture.spec("v1", ["sh", "-c", "sleep 3600 & sleep 3600"]))
            #expect(v2.members(scope: fixture.name, id: "v1").contains(pid))
            #expect(ControlFile.exists(mount + "/berth/\(fixture.name)/v1/cgroup.kill"))
            #expect(try DeviceFilterLoader.attachedPrograms(mount + "/berth/\(fixture.name)/v1").count == 1, "start attached the device filter")
            #expect(await v2.killAll(scope: fixture.name, id: "v1"))
            let exit = try await RuntimeFixture(name: fixture.name, directory: fixture.directory, runtime: runtime).exit(of: "v1")
            #expect(exit.signal == 9)
            try await runtime.remove("v1")
            #expect(!v2.exists(scope: fixture.name, id: "v1"))
        }
    }

    /// A cgroup2 mount other than /sys/fs/cgroup (hybrid layout), if this machine has one.
    static let hybridUnifiedMount: String? = {
        guard let mountinfo = ControlFile.read("/proc/self/mountinfo") else { return nil }
        for line in mountinfo.split(separator: "\n") where line.contains(" - cgroup2 ") {
            let mount = String(line.split(separator: " ")[4])
            if mount != "/sys/fs/cgroup" { return mount }
        }
        return nil
    }()
}
