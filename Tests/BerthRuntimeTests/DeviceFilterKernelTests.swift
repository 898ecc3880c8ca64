import Foundation
import Glibc
import Testing

@testable import BerthRuntime

/// The cgroup v2 device filter in the real kernel. A BPF device program attached to a cgroup
/// in the v2 hierarchy is enforced for the processes in it even on a v1 machine that mounts
/// v2 beside its controllers (the kernel runs the BPF check before v1's), so these run on
/// hybrid hosts (/sys/fs/cgroup/unified) as well as on v2 ones. Under CI=true a missing
/// cgroup2 mount, block device or bpf(2) support fails the test, naming it.
@Suite(.enabled(if: TestRequirements.isCI || geteuid() == 0))
struct DeviceFilterKernelTests {
    /// Any cgroup2 mount: /sys/fs/cgroup on a v2 host, /sys/fs/cgroup/unified on a hybrid one.
    static let cgroup2Mount: String? = {
        guard let mountinfo = ControlFile.read("/proc/self/mountinfo") else { return nil }
        let mounts = mountinfo.split(separator: "\n").filter { $0.contains(" - cgroup2 ") }.map { String($0.split(separator: " ")[4]) }
        return mounts.contains("/sys/fs/cgroup") ? "/sys/fs/cgroup" : mounts.first
    }()

    /// A block device this machine has (a loop device if any), as "MAJOR:MINOR".
    static let blockDevice: String? = {
        let devices = (try? FileManager.default.contentsOfDirectory(atPath: "/sys/dev/block")) ?? []
        return devices.sorted().first { $0.hasPrefix("7:") } ?? devices.sorted().first
    }()

    /// Made and opened in a fresh tmpfs (no nodev) in a private mount namespace: the block
    /// device and /dev/kmsg's numbers (1:11), beside the host's /dev/null and /dev/zero.
    static func script(cgroup: String, directory: String, blockDevice: String) -> String {
        let numbers = blockDevice.split(separator: ":")
        return """
            mount -t tmpfs -o mode=700 devtest '\(directory)' || exit 90
            mknod '\(directory)/disk' b \(numbers[0]) \(numbers[1]) && mknod '\(directory)/kmsg' c 1 11 || exit 91
            echo $$ > '\(cgroup)/cgroup.procs' || exit 92
            echo cgroup=$(grep '^0::' /proc/self/cgroup)
            open() { if err=$( (exec 3<"$2") 2>&1 ); then echo "$1=opened"; else echo "$1=$err"; fi; }
            open null /dev/null
            if err=$( (exec 3>/dev/null) 2>&1 ); then echo nullwrite=opened; else echo "nullwrite=$err"; fi
            echo zero=$(head -c 4 /dev/zero | wc -c)
            open disk '\(directory)/disk'
            open kmsg '\(directory)/kmsg'
            mknod '\(directory)/made' b \(numbers[0]) \(numbers[1]) && echo mknod=made
            """
    }

    /// Runs `script` in a private mount namespace and returns its `key=value` lines.
    static func run(_ script: String) throws -> [String: String] {
        let output = try Shell.run(["unshare", "--mount", "--propagation", "private", "sh", "-c", script])
        var seen: [String: String] = [:]
        for line in output.split(separator: "\n") {
            guard let equals = line.firstIndex(of: "=") else { continue }
            seen[String(line[..<equals])] = String(line[line.index(after: equals)...])
        }
        return seen
    }

    static func v2Cgroups() throws -> Cgroups {
        let mount = try #require(cgroup2Mount, "no cgroup2 hierarchy is mounted (neither /sys/fs/cgroup nor a hybrid one such as /sys/fs/cgroup/unified): the v2 device filter cannot be tested")
        return Cgroups(version: .v2, hierarchies: [.init(mountPoint: mount, controllers: Cgroups.v2Controllers(at: mount))])
    }

    /// Creates cgroups under a per-run scope, runs `body`, and removes them all again.
    static func withScope(_ label: String, _ body: (Cgroups, String) async throws -> Void) async throws {
        try TestRequirements.require([])
        let cgroups = try v2Cgroups()
        let scope = "\(RuntimeFixture.runPrefix)-\(label)"
        defer {
            cgroups.removeScope(scope)
            rmdir("\(cgroups.hierarchies[0].mountPoint)/\(cgroups.parent)")
        }
        do {
            try await body(cgroups, scope)
        } catch {
            for id in cgroups.containers(scope: scope) { try? await cgroups.remove(scope: scope, id: id) }
            throw error
        }
        for id in cgroups.containers(scope: scope) { try await cgroups.remove(scope: scope, id: id) }
    }

    @Test func aContainerCgroupOpensOnlyTheAllowedDevicesAndAPrivilegedOneOpensAll() async throws {
        let blockDevice = try #require(Self.blockDevice, "no block device in /sys/dev/block to try opening")
        try await Self.withScope("devfilter") { cgroups, scope in
            try cgroups.create(scope: scope, id: "filtered", limits: ContainerLimits())
            try cgroups.create(scope: scope, id: "privileged", limits: ContainerLimits(), privilegedDevices: true)
            let directory = "/var/tmp/berth-runtime-tests/\(scope)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }

            // Given the generated program on the container's cgroup, when a process in it opens
            // devices, then the allowed ones open and the others fail with EPERM.
            let filtered = try Self.run(Self.script(cgroup: cgroups.directories(scope: scope, id: "filtered")[0], directory: directory, blockDevice: blockDevice))
            #expect(filtered["cgroup"]?.hasSuffix("/\(scope)/filtered") == true, "moved into the cgroup: \(filtered)")
            #expect(filtered["null"] == "opened")
            #expect(filtered["nullwrite"] == "opened")
            #expect(filtered["zero"] == "4")
            #expect(filtered["disk"]?.contains("Operation not permitted") == true, "block \(blockDevice): \(filtered["disk"] ?? "")")
            #expect(filtered["kmsg"]?.contains("Operation not permitted") == true, "char 1:11: \(filtered["kmsg"] ?? "")")
            #expect(filtered["mknod"] == "made", "making a node stays allowed (CAP_MKNOD decides)")

            // The same script in a privileged container's cgroup (no program): the same nodes open.
            let open = try Self.run(Self.script(cgroup: cgroups.directories(scope: scope, id: "privileged")[0], directory: directory, blockDevice: blockDevice))
            #expect(open["cgroup"]?.hasSuffix("/\(scope)/privileged") == true, "\(open)")
            #expect(open["disk"] == "opened", "block \(blockDevice): \(open["disk"] ?? "")")
            #expect(open["kmsg"] == "opened", "\(open["kmsg"] ?? "")")
            #expect(open["null"] == "opened")
        }
    }

    @Test func creatingAgainLeavesOneFilterAndPrivilegedGetsNone() async throws {
        try await Self.withScope("devretry") { cgroups, scope in
            try cgroups.create(scope: scope, id: "c1", limits: ContainerLimits())
            let directory = cgroups.directories(scope: scope, id: "c1")[0]
            let first = try DeviceFilterLoader.attachedPrograms(directory)
            #expect(first.count == 1)
            // A retried create (the directory reused) replaces the program rather than adding one.
            try cgroups.create(scope: scope, id: "c1", limits: ContainerLimits())
            let second = try DeviceFilterLoader.attachedPrograms(directory)
            #expect(second.count == 1)
            #expect(second != first, "the new program replaced the old one")

            try cgroups.create(scope: scope, id: "p1", limits: ContainerLimits(), privilegedDevices: true)
            #expect(try DeviceFilterLoader.attachedPrograms(cgroups.directories(scope: scope, id: "p1")[0]).isEmpty)
        }
    }

    @Test func aProgramTheVerifierRefusesFailsWithItsLog() async throws {
        try await Self.withScope("devrefused") { cgroups, scope in
            try cgroups.create(scope: scope, id: "r1", limits: ContainerLimits(), privilegedDevices: true)
            let directory = cgroups.directories(scope: scope, id: "r1")[0]
            // Returns r0 without setting it.
            let error = try #require(throws: LinuxRuntimeError.self) {
                try DeviceFilterLoader.attach([.exit], to: directory)
            }
            let text = "\(error)"
            #expect(text.contains("BPF_PROG_LOAD"), "\(text)")
            #expect(text.contains("verifier:") && text.contains("R0"), "the verifier's words: \(text)")
            #expect(try DeviceFilterLoader.attachedPrograms(directory).isEmpty)
        }
    }
}
