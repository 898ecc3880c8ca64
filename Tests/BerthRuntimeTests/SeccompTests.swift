import Foundation
import Testing

@testable import BerthRuntime

/// Docker's default seccomp profile in berth-init: a call only CAP_SYS_ADMIN may make (a
/// user namespace, whose root could then mount and unshare at will) fails with EPERM, while
/// the same container's ordinary calls work; `seccomp: unconfined` lifts the filter.
@Suite(.enabled(if: TestRequirements.available(["ip", "busybox"])))
struct SeccompTests {
    static let script = """
        echo seccomp=$(grep '^Seccomp:' /proc/self/status | cut -f2)
        echo userns=$(unshare --user --map-root-user id -u 2>&1)
        echo clone=$(sh -c 'echo forked')
        echo socket=$(echo ok | nc -l -p 1 -w 1 >/dev/null 2>&1; echo $?)
        """

    @Test func unshareOfAUserNamespaceIsRefusedWithEPERMAndOrdinaryCallsWork() async throws {
        try await RuntimeFixture.with("seccomp", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let (exit, seen) = try await fixture.run("s1", Self.script, rootfs: root)
            #expect(exit.code == 0, "log: \(fixture.log("s1"))")
            #expect(seen["seccomp"] == "2")
            #expect(seen["userns"]?.contains("Operation not permitted") == true, "seen: \(seen["userns"] ?? "nothing")")
            #expect(seen["clone"] == "forked", "clone without namespace flags is allowed")
        }
    }

    @Test func unconfinedLiftsTheFilter() async throws {
        try await RuntimeFixture.with("unconfined", tools: ["ip", "busybox"]) { fixture in
            let root = fixture.path("rootfs")
            try BusyboxRootfs.build(at: root)
            let (exit, seen) = try await fixture.run("s2", Self.script, rootfs: root, security: ContainerSecurity(seccomp: .unconfined))
            #expect(exit.code == 0, "log: \(fixture.log("s2"))")
            #expect(seen["seccomp"] == "0")
            #expect(seen["userns"] == "0", "root of its own user namespace: \(seen["userns"] ?? "nothing")")
        }
    }
}
