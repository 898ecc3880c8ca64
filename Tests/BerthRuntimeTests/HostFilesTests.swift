import Foundation
import Testing

@testable import BerthRuntime

/// A container on the host's files (the `host` image) in its own mount namespace: the
/// runtime's state, /run/netns, the cgroup tree and the paths it is told to hide are out of
/// sight; every mount is nodev; with a read-only root the host's files cannot be written.
@Suite(.enabled(if: TestRequirements.available(["ip", "busybox"])))
struct HostFilesTests {
    @Test func hiddenPathsTheRuntimeStateNetnsAndCgroupsAreOutOfSight() async throws {
        try await RuntimeFixture.with("hide", tools: ["ip", "busybox"]) { fixture in
            let secrets = fixture.path("secrets")
            try FileManager.default.createDirectory(atPath: secrets, withIntermediateDirectories: true)
            try "s3cret-dir".write(toFile: secrets + "/inside", atomically: true, encoding: .utf8)
            let token = fixture.path("agent.token")
            try "s3cret-token".write(toFile: token, atomically: true, encoding: .utf8)
            let shared = fixture.path("shared")
            try "visible".write(toFile: shared, atomically: true, encoding: .utf8)

            let (exit, seen) = try await fixture.run("h1", """
                echo token=[$(cat \(token) 2>&1)]
                echo secrets=[$(ls \(secrets) 2>&1)]
                echo state=[$(ls \(fixture.stateDirectory) 2>&1)]
                echo cache=[$(ls \(fixture.stateDirectory).seccomp 2>&1)]
                echo netns=[$(ls /run/netns 2>&1)]
                echo cgroup=[$(ls /sys/fs/cgroup 2>&1)]
                echo shared=$(cat \(shared))
                echo write=$(echo new > \(shared).out && cat \(shared).out)
                echo nodev=$(awk '$4 !~ /nodev/ && $3 != "devtmpfs" && $3 != "devpts" { print $2 }' /proc/self/mounts | tr '\\n' ,)
                """, security: ContainerSecurity(hiddenPaths: [secrets, token]))
            #expect(exit.code == 0, "log: \(fixture.log("h1"))")
            #expect(seen["token"] == "[]", "/dev/null over the token file")
            #expect(seen["secrets"] == "[]", "an empty tmpfs over the directory")
            #expect(seen["state"] == "[]", "the runtime's state directory is hidden")
            #expect(seen["cache"] == "[]", "the compiled seccomp filters beside it too (a container must not rewrite them)")
            #expect(try FileManager.default.contentsOfDirectory(atPath: fixture.stateDirectory + ".seccomp").contains { $0.hasSuffix(".bpf") })
            #expect(seen["netns"] == "[]")
            #expect(seen["cgroup"] == "[]", "a fresh sysfs has no cgroup mounts")
            #expect(seen["shared"] == "visible", "the rest of the host's files are there")
            #expect(seen["write"] == "new", "and writable (Nomad raw_exec-like) unless the root is read-only")
            #expect(seen["nodev"] == "", "every mount but the device nodes bound from the host's devtmpfs and devpts is nodev")
            #expect(try String(contentsOfFile: token, encoding: .utf8) == "s3cret-token", "the host's file itself is untouched")
        }
    }

    @Test func aReadOnlyRootMakesTheHostsFilesReadOnly() async throws {
        try await RuntimeFixture.with("hostro", tools: ["ip", "busybox"]) { fixture in
            let target = fixture.path("target")
            let (exit, seen) = try await fixture.run("h2", """
                echo write=$(echo new 2>&1 > \(target) || true)
                echo tmp=$(echo ok > /tmp/f && cat /tmp/f)
                """, security: ContainerSecurity(readOnlyRootFilesystem: true))
            #expect(exit.code == 0, "log: \(fixture.log("h2"))")
            #expect(seen["write"]?.contains("Read-only file system") == true, "\(seen["write"] ?? "")")
            #expect(seen["tmp"] == "ok")
            #expect(!FileManager.default.fileExists(atPath: target))
        }
    }
}
