import Foundation
import Testing

@testable import BerthRuntime

/// The command's capabilities, no_new_privs and user, read back from /proc/self/status inside
/// the container: Docker's 14 by default, exactly what the security settings say otherwise.
@Suite(.enabled(if: TestRequirements.available(["ip", "busybox"])))
struct CapabilityTests {
    /// Docker's default set as a CapEff mask: CHOWN DAC_OVERRIDE FOWNER FSETID KILL SETGID
    /// SETUID SETPCAP NET_BIND_SERVICE NET_RAW SYS_CHROOT MKNOD AUDIT_WRITE SETFCAP.
    static let dockerDefault = "00000000a80425fb"
    static let status = """
        for key in CapInh CapPrm CapEff CapBnd CapAmb NoNewPrivs Seccomp Uid Gid Groups; do
          echo "$key=$(grep "^$key:" /proc/self/status | cut -f2- | tr '\\t' ' ' | tr -s ' ' | sed 's/ *$//')"
        done
        """

    @Test func aContainerKeepsDockersFourteenCapabilitiesNoNewPrivsAndSeccomp() async throws {
        try await RuntimeFixture.with("caps", tools: ["ip", "busybox"]) { fixture in
            let (exit, seen) = try await fixture.run("c1", Self.status)
            #expect(exit.code == 0, "log: \(fixture.log("c1"))")
            #expect(seen["CapEff"] == Self.dockerDefault)
            #expect(seen["CapPrm"] == Self.dockerDefault)
            #expect(seen["CapBnd"] == Self.dockerDefault)
            #expect(seen["CapInh"] == "0000000000000000")
            #expect(seen["CapAmb"] == "0000000000000000")
            #expect(seen["NoNewPrivs"] == "1")
            #expect(seen["Seccomp"] == "2", "a filter is loaded (mode 2)")
            #expect(seen["Uid"] == "0 0 0 0")
            #expect(seen["Groups"] == "0")
        }
    }

    @Test func addedAndDroppedCapabilitiesAndNoNewPrivsOff() async throws {
        try await RuntimeFixture.with("capset", tools: ["ip", "busybox"]) { fixture in
            // NET_ADMIN is bit 12; KILL (bit 5) dropped; without no_new_privs the filter is
            // loaded before the capabilities are dropped, as runc does.
            var names = ContainerSecurity.defaultCapabilities.filter { $0 != "KILL" }
            names.append("NET_ADMIN")
            let (exit, seen) = try await fixture.run("c2", Self.status, security: ContainerSecurity(capabilities: names, noNewPrivileges: false))
            #expect(exit.code == 0, "log: \(fixture.log("c2"))")
            #expect(seen["CapEff"] == "00000000a80435db")
            #expect(seen["CapBnd"] == "00000000a80435db")
            #expect(seen["NoNewPrivs"] == "0")
            #expect(seen["Seccomp"] == "2")
        }
    }

    @Test func aNonRootUserEndsWithNoCapabilities() async throws {
        try await RuntimeFixture.with("capuser", tools: ["ip", "busybox"]) { fixture in
            let (exit, seen) = try await fixture.run("c3", Self.status, security: ContainerSecurity(user: 1000, group: 1001))
            #expect(exit.code == 0, "log: \(fixture.log("c3"))")
            #expect(seen["Uid"] == "1000 1000 1000 1000")
            #expect(seen["Gid"] == "1001 1001 1001 1001")
            #expect(seen["Groups"] == "1001")
            #expect(seen["CapEff"] == "0000000000000000", "as under Docker: nothing after execve for a non-root user")
            #expect(seen["CapPrm"] == "0000000000000000")
            #expect(seen["CapBnd"] == Self.dockerDefault)
        }
    }

    @Test func anUnknownCapabilityIsAClearStartFailure() async throws {
        try await RuntimeFixture.with("capbad") { fixture in
            var spec = fixture.spec("c4", ["true"])
            spec.security = ContainerSecurity(capabilities: ["NOT_A_CAP"])
            await #expect(throws: LinuxRuntimeError.self) { try await fixture.runtime.start(spec) }
            #expect(fixture.log("c4").contains("unknown capability NOT_A_CAP"), "\(fixture.log("c4"))")
        }
    }
}
