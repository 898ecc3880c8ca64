import Foundation
import BerthTesting
import Testing

@testable import BerthRuntime

/// Containers with a `dir:` image: pivot_root into a busybox rootfs.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip", "busybox"])))
struct RootfsTests {
    @Test func theContainerSeesOnlyItsRootfs() async throws {
        try await RuntimeFixture.with("rootfs", tools: ["ip", "busybox"]) { fixture in
            // Given a busybox rootfs with a resolv.conf of its own, and another one to bind.
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let resolv = fixture.path("resolv.conf")
            try "nameserver 203.0.113.53\n".write(toFile: resolv, atomically: true, encoding: .utf8)
            #expect(FileManager.default.fileExists(atPath: "/usr/bin/apt"), "the host file the container must not see")

            let script = """
                test -e /usr/bin/apt && echo apt=present || echo apt=absent
                test -x /bin/busybox && echo busybox=present || echo busybox=absent
                echo resolv=$(cat /etc/resolv.conf)
                echo root=$(ls / | tr '\\n' ,)
                echo dev=$(ls /dev | tr '\\n' ,)
                echo null=$(echo discarded > /dev/null && echo writable)
                echo hostname=$(hostname)
                echo self=$$
                echo tmp=[$(ls -A /tmp)]
                """
            let image = "dir:\(root)"
            let spec = fixture.spec(
                "fs1", ["sh", "-c", script], environment: ["PATH": "/bin"],
                rootfs: LinuxContainerSpec.rootfs(fromImage: image), resolvConf: resolv)
            _ = try await fixture.runtime.start(spec)
            let exit = try await fixture.exit(of: "fs1")
            let seen = fixture.values(in: "fs1")

            #expect(exit.code == 0, "log: \(fixture.log("fs1"))")
            #expect(seen["apt"] == "absent")
            #expect(seen["busybox"] == "present")
            #expect(seen["resolv"] == "nameserver 203.0.113.53")
            #expect(seen["root"] == "bin,dev,etc,proc,tmp,", "no trace of the host's root or the old-root mount point")
            for device in ["null", "zero", "random", "urandom", "tty", "shm", "pts"] {
                #expect(seen["dev"]?.split(separator: ",").contains(Substring(device)) == true, "/dev/\(device)")
            }
            #expect(seen["null"] == "writable")
            #expect(seen["hostname"] == "fs1.\(fixture.name)")
            #expect(seen["self"] == "2")
            #expect(seen["tmp"] == "[]")
            // The bind mount left the image's own file alone.
            #expect(try String(contentsOfFile: root + "/etc/resolv.conf", encoding: .utf8) == BusyboxRootfs.ownResolvConf)
        }
    }

    @Test func aMissingRootfsIsAClearStartFailure() async throws {
        try await RuntimeFixture.with("norootfs") { fixture in
            let missing = fixture.path("no-such-rootfs")
            let spec = fixture.spec("fs2", ["sh"], rootfs: LinuxContainerSpec.rootfs(fromImage: "dir:\(missing)"))

            await #expect(throws: LinuxRuntimeError.startFailed(
                id: "fs2", code: SetupFailureCode.rootfs.rawValue, message: "rootfs \(missing) does not exist")
            ) {
                try await fixture.runtime.start(spec)
            }
            #expect(fixture.log("fs2").contains("berth-init: error: rootfs \(missing) does not exist"))
            #expect(fixture.runtime.status("fs2") == nil)
            #expect(!fixture.runtime.cgroups.exists(scope: fixture.name, id: "fs2"))
        }
    }

    @Test func aCommandMissingFromTheRootfsIsAClearStartFailure() async throws {
        try await RuntimeFixture.with("nocmd", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let spec = fixture.spec("fs3", ["apt", "update"], environment: ["PATH": "/usr/bin:/bin"], rootfs: root)

            await #expect(throws: LinuxRuntimeError.startFailed(
                id: "fs3", code: SetupFailureCode.commandNotFound.rawValue,
                message: "command apt not found in PATH /usr/bin:/bin")
            ) {
                try await fixture.runtime.start(spec)
            }
            #expect(fixture.runtime.list().isEmpty)
        }
    }
}
