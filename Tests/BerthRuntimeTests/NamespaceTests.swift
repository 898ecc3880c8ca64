import Foundation
import Glibc
import BerthTesting
import Testing

@testable import BerthRuntime

/// A container on the host's files (no rootfs) still gets its own pid, mount, UTS, IPC and
/// network namespaces: the command prints what it sees as key=value lines into its log.
@Suite(.heavy, .enabled(if: TestRequirements.available(["ip"])))
struct NamespaceTests {
    @Test func theCommandSeesItsOwnNamespaces() async throws {
        try await RuntimeFixture.with("ns") { fixture in
            // Given a network namespace holding a veth pair besides lo, and a host /tmp that
            // is not empty.
            let veth = ["\(RuntimeFixture.runPrefix)v0", "\(RuntimeFixture.runPrefix)v1"]
            try Shell.run(["ip", "-n", fixture.name, "link", "add", veth[0], "type", "veth", "peer", "name", veth[1]])
            try "host".write(toFile: "/tmp/\(fixture.name)-host-file", atomically: true, encoding: .utf8)
            defer { unlink("/tmp/\(fixture.name)-host-file") }

            // When the container runs a script reporting what it sees.
            let script = """
                echo hostname=$(hostname)
                echo self=$$
                echo init=$(tr '\\0' ' ' < /proc/1/cmdline)
                echo tmp=[$(ls -A /tmp)]
                echo private > /tmp/\(fixture.name)-container-file
                echo links=$(ip -o link show | cut -d: -f2 | cut -d@ -f1 | tr -d ' ' | sort | tr '\\n' ,)
                echo ipc=$(readlink /proc/self/ns/ipc)
                echo net=$(readlink /proc/self/ns/net)
                echo processes=$(ls /proc | grep -c '^[0-9]')
                echo env=$(env | sort | tr '\\n' ' ')
                """
            let spec = fixture.spec("ns1", ["sh", "-c", script], environment: ["GREETING": "hello world"])
            _ = try await fixture.runtime.start(spec)
            let exit = try await fixture.exit(of: "ns1")
            let seen = fixture.values(in: "ns1")

            // Then it sees its own hostname, pids 1 and 2, an empty private /tmp, the given
            // network namespace, its own IPC namespace and only the given environment.
            #expect(exit == LinuxContainerExit(code: 0), "log: \(fixture.log("ns1"))")
            #expect(seen["hostname"] == "ns1.\(fixture.name)")
            #expect(seen["self"] == "2")
            #expect(seen["init"]?.contains("berth-init") == true)
            #expect(seen["init"]?.contains("--state-dir \(fixture.stateDirectory)/ns1") == true)
            #expect(seen["tmp"] == "[]")
            #expect(!FileManager.default.fileExists(atPath: "/tmp/\(fixture.name)-container-file"))
            #expect(seen["links"] == (veth + ["lo"]).sorted().joined(separator: ",") + ",")
            #expect(seen["net"] == "net:[\(try inode(of: fixture.networkNamespace))]")
            let hostIPC = try #require(readLink("/proc/self/ns/ipc"))
            #expect(seen["ipc"]?.hasPrefix("ipc:[") == true)
            #expect(seen["ipc"] != hostIPC)
            #expect(seen["env"]?.contains("GREETING=hello world") == true)
            #expect(seen["init"]?.contains("GREETING") == false, "the environment stays off the command line")
            #expect(seen["env"]?.contains("HOME=") == false, "the agent's environment must not leak in")
            let processCount = Int(seen["processes"] ?? "")
            #expect(processCount != nil && processCount! <= 8, "a private /proc lists only the container's processes")
        }
    }

    @Test func resolvConfIsBoundPrivatelyOverTheHostFiles() async throws {
        try await RuntimeFixture.with("resolv") { fixture in
            let resolv = fixture.path("resolv.conf")
            try "nameserver 203.0.113.53\n".write(toFile: resolv, atomically: true, encoding: .utf8)
            let hostBefore = try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8)

            let spec = fixture.spec("r1", ["cat", "/etc/resolv.conf"], resolvConf: resolv)
            _ = try await fixture.runtime.start(spec)
            let exit = try await fixture.exit(of: "r1")

            #expect(exit.code == 0)
            #expect(fixture.log("r1") == "nameserver 203.0.113.53\n")
            #expect(try String(contentsOfFile: "/etc/resolv.conf", encoding: .utf8) == hostBefore)
        }
    }

    @Test func aMissingNetworkNamespaceIsAClearStartFailure() async throws {
        try await RuntimeFixture.with("nonet") { fixture in
            var spec = fixture.spec("n1", ["true"])
            spec.networkNamespace = "/run/netns/\(fixture.name)-absent"
            await #expect(throws: LinuxRuntimeError.startFailed(
                id: "n1", code: SetupFailureCode.networkNamespace.rawValue,
                message: "network namespace /run/netns/\(fixture.name)-absent does not exist")
            ) {
                try await fixture.runtime.start(spec)
            }
            #expect(fixture.runtime.status("n1") == nil, "a failed start leaves no state")
            #expect(fixture.log("n1").contains("berth-init: error: network namespace"))
        }
    }

    private func inode(of path: String) throws -> UInt {
        var info = stat()
        guard stat(path, &info) == 0 else { throw Shell.Failure(description: "stat \(path) failed") }
        return UInt(info.st_ino)
    }

    private func readLink(_ path: String) -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: path)
    }
}
