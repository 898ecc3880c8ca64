import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// What the linux driver makes of a container's `resources`: a memory hard limit that kills
/// (and is reported as such), a CPU quota of millicores × 100 µs per 100 ms period, and the
/// agent's `--pids-limit`; and a `dir:` rootfs of busybox-static that is all the container sees.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout"))
struct ContainerLimitsTests {
    @Test func aContainerOverItsMemoryLimitFailsAsOOMAndItsCPUQuotaIsInItsCgroup() async throws {
        try await LabCluster.with(nodes: 1, agents: false) { cluster in
            let n1 = cluster.lab.nodes[0]
            try cluster.startAgent(n1, extra: ["--pids-limit", "100"])
            try await cluster.waitUntilReady([n1])

            // A steady container: its limits, as the kernel has them.
            let steady = try await cluster.running(try await cluster.run(
                on: n1, command: [LabWeb.busybox, "sleep", "3600"], resources: Resources(cpu: 250, memory: 48)
            ).id)
            #expect(cluster.cgroupFile("cpu.cfs_quota_us", of: steady.id, on: n1) == "25000")
            #expect(cluster.cgroupFile("cpu.cfs_period_us", of: steady.id, on: n1) == "100000")
            #expect(cluster.cgroupFile("memory.limit_in_bytes", of: steady.id, on: n1) == "\(48 * 1024 * 1024)")
            #expect(cluster.cgroupFile("pids.max", of: steady.id, on: n1) == "100")

            // A container that grows without bound (busybox tail keeps the last lines of a file
            // with no newline): killed by the kernel at 16 MiB, reported failed with the reason.
            let hog = try await cluster.run(on: n1, command: ["/bin/sh", "-c", "echo before the limit; exec \(LabWeb.busybox) tail /dev/zero"],
                                            resources: Resources(cpu: 250, memory: 16))
            let failed = try await cluster.state(hog.id, .failed)
            #expect(failed.reason?.contains("OOM") == true, "reason: \(failed.reason ?? "none")")
            #expect(failed.reason?.contains("16 MiB") == true, "reason: \(failed.reason ?? "none")")
            #expect(failed.exitCode == 137, "killed by SIGKILL: 128 + 9")
            let log = try String(contentsOfFile: "\(cluster.stateDirectory)/\(n1.name)/logs/\(hog.id).log", encoding: .utf8)
            #expect(log.contains("before the limit"), "the log stays readable: \(log.suffix(500))")
            // Its cgroups, namespace and veth are gone; the steady one is untouched.
            try await eventually("the OOM-killed container is cleaned up") { cluster.traces(of: hog.id, on: n1).isEmpty }
            #expect(try await cluster.client.container(steady.id).value.state == .running)
        }
    }

    @Test func aDirRootfsOfBusyboxIsAllTheContainerSees() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let rootfs = cluster.folder.file("rootfs")
            try BusyboxRootfs.build(at: rootfs, marker: cluster.lab.prefix)
            let before = "echo hostname=$(hostname); echo root=$(ls / | tr '\\n' ' '); echo marker=$(cat /marker); echo etc=$(ls /etc); ls /usr /etc/debian_version 2>&1 | head -2"
            let name = "\(cluster.lab.prefix)-rootfs"
            let boxed = try await cluster.running(try await cluster.run(
                name, on: n1, command: LabWeb.command(busybox: "/bin/busybox", before: before), image: "dir:\(rootfs)"
            ).id)
            try await cluster.waitUntilServing([boxed])
            let log = try String(contentsOfFile: "\(cluster.stateDirectory)/\(n1.name)/logs/\(boxed.id).log", encoding: .utf8)
            #expect(log.contains("hostname=\(name)\n"), "\(log)")
            #expect(log.contains("marker=\(cluster.lab.prefix)\n"), "\(log)")
            let root = log.split(separator: "\n").first { $0.hasPrefix("root=") }.map { Set($0.dropFirst(5).split(separator: " ").map(String.init)) }
            // Its own files, and the mount points berth-init made: /proc, /tmp, /dev, and /etc for
            // the node's resolv.conf (the agent's DNS forwarder), which is all /etc holds.
            #expect(root == ["bin", "dev", "etc", "marker", "proc", "tmp"], "\(log)")
            #expect(log.contains("etc=resolv.conf\n"), "\(log)")
            #expect(log.contains("/usr: No such file or directory"), "\(log)")
            // The rootfs was not changed beyond the mount points berth-init made.
            #expect(!FileManager.default.fileExists(atPath: rootfs + "/tmp/www"), "/tmp is the container's own tmpfs")
        }
    }
}
