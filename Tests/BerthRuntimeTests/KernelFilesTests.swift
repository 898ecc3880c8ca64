import Foundation
import Testing

@testable import BerthRuntime

/// The kernel's files as runc lays them out with Docker's defaults: /proc/sys and friends
/// read-only, /proc/kcore and friends masked, /sys read-only, a fresh /dev whose nodes are the
/// only ones that open, the devices cgroup (v1) or its BPF filter (v2), a private cgroup namespace, and IPv6 off in
/// the container's network namespace. Each refusal beside what still works.
@Suite(.enabled(if: TestRequirements.available(["ip", "busybox"])))
struct KernelFilesTests {
    static let script = """
        echo core=$(echo '|/tmp/x' 2>&1 > /proc/sys/kernel/core_pattern && echo written)
        echo sysrq=$(echo h 2>&1 > /proc/sysrq-trigger && echo written)
        echo kcore=$(wc -c < /proc/kcore)
        echo keys=$(wc -c < /proc/keys)
        echo timers=$(wc -c < /proc/timer_list)
        echo firmware=[$(ls /sys/firmware 2>&1)]
        echo sys=$(touch /sys/kernel/x 2>&1 || true)
        echo sysfs=$(grep ' /sys ' /proc/self/mounts | cut -d' ' -f4 | cut -d, -f1)
        echo hostname=$(cat /proc/sys/kernel/hostname)
        echo dev=$(ls /dev | tr '\\n' ,)
        echo null=$(echo x > /dev/null && echo writable)
        echo zero=$(head -c 4 /dev/zero | wc -c)
        mknod /tmp/disk b 7 0 && echo mknod=made
        echo disk=$(head -c 1 /tmp/disk 2>&1 >/dev/null || true)
        mkdir -p /tmp/cg && echo cgroupfs=$(mount -t cgroup -o memory cgroup /tmp/cg 2>&1 || true)
        head -c 64 /dev/zero > /tmp/none.ko && echo insmod=$(insmod /tmp/none.ko 2>&1 || true)
        echo cgroups=$(cut -d: -f3 /proc/self/cgroup | sort -u | tr '\\n' ,)
        echo ipv6=$(cat /proc/sys/net/ipv6/conf/all/disable_ipv6),$(cat /proc/sys/net/ipv6/conf/default/disable_ipv6),$(cat /proc/sys/net/ipv6/conf/lo/disable_ipv6)
        echo ipv6addresses=$(ip -6 addr | wc -l)
        """

    @Test func kernelFilesAreReadOnlyOrMaskedAndOnlyTheFreshDevicesOpen() async throws {
        try await RuntimeFixture.with("kernel", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            try FileManager.default.createDirectory(atPath: root + "/sys", withIntermediateDirectories: true)
            let (exit, seen) = try await fixture.run("k1", Self.script, rootfs: root)
            #expect(exit.code == 0, "log: \(fixture.log("k1"))")
            #expect(seen["core"]?.contains("Read-only file system") == true, "\(seen["core"] ?? "")")
            if FileManager.default.fileExists(atPath: "/proc/sysrq-trigger") {
                #expect(seen["sysrq"]?.contains("Read-only file system") == true, "\(seen["sysrq"] ?? "")")
            }
            if FileManager.default.fileExists(atPath: "/proc/kcore") { #expect(seen["kcore"] == "0", "/dev/null over /proc/kcore") }
            #expect(seen["keys"] == "0")
            #expect(seen["timers"] == "0")
            #expect(seen["firmware"] == "[]", "an empty tmpfs over /sys/firmware")
            #expect(seen["sys"]?.contains("Read-only file system") == true, "\(seen["sys"] ?? "")")
            #expect(seen["sysfs"] == "ro")
            #expect(seen["hostname"] == "k1.\(fixture.name)", "/proc/sys still reads")
            #expect(seen["dev"] == "fd,full,null,ptmx,pts,random,shm,stderr,stdin,stdout,tty,urandom,zero,")
            #expect(seen["null"] == "writable")
            #expect(seen["zero"] == "4")
            // CAP_MKNOD makes the node (as under Docker), but it cannot be opened: /tmp is
            // nodev, and on v1 the devices cgroup refuses block devices too (checked below).
            #expect(seen["mknod"] == "made")
            #expect(seen["disk"]?.contains("Permission denied") == true || seen["disk"]?.contains("Operation not permitted") == true, "\(seen["disk"] ?? "")")
            #expect(seen["cgroupfs"]?.contains("permission denied") == true, "busybox's words for EPERM: \(seen["cgroupfs"] ?? "")")
            #expect(seen["insmod"]?.contains("Operation not permitted") == true, "init_module without CAP_SYS_MODULE: \(seen["insmod"] ?? "")")
            #expect(seen["cgroups"] == "/,", "a cgroup namespace rooted at the container's own cgroup")
            #expect(seen["ipv6"] == "1,1,1")
            #expect(seen["ipv6addresses"] == "0")
        }
    }

    @Test func theDevicesCgroupAllowsOnlyTheFreshDevices() async throws {
        try await RuntimeFixture.with("devices") { fixture in
            _ = try await fixture.runtime.start(fixture.spec("d1", [RuntimeFixture.busybox, "sleep", "60"]))
            switch fixture.runtime.cgroups.version {
            case .v1:
                let directory = try #require(fixture.runtime.cgroups.directory(for: "devices", scope: fixture.name, id: "d1"))
                let list = try String(contentsOfFile: directory + "/devices.list", encoding: .utf8)
                #expect(Set(list.split(separator: "\n").map(String.init)) == Set(Cgroups.allowedDevices))
            case .v2:
                // The same list as a BPF program (DeviceFilterKernelTests proves what it refuses).
                let directory = fixture.runtime.cgroups.directories(scope: fixture.name, id: "d1")[0]
                #expect(try DeviceFilterLoader.attachedPrograms(directory).count == 1)
            }
            _ = await fixture.runtime.stop("d1", grace: .seconds(1))
        }
    }

    @Test func privilegedKeepsTheKernelFilesAsTheyAre() async throws {
        try await RuntimeFixture.with("privileged", tools: ["ip", "busybox"]) { fixture in
            let (exit, seen) = try await fixture.run(
                "p1", "echo timers=$(head -c 1 /proc/timer_list | wc -c); echo sysfs=$(grep ' /sys ' /proc/self/mounts | tail -1 | cut -d' ' -f4 | cut -d, -f1)",
                security: ContainerSecurity(privileged: true))
            #expect(exit.code == 0, "log: \(fixture.log("p1"))")
            #expect(seen["timers"] == "1", "/proc/timer_list unmasked")
            #expect(seen["sysfs"] == "rw")
        }
    }
}
