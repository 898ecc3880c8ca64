import BerthLab
import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// `scripts/netlab` makes the lab it prints, the nodes reach each other and the outside, and
/// `down` leaves nothing with the prefix.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct NetlabScriptTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../scripts/netlab").standardized.path

    @Test func upPrintsTheLabAndDownRemovesIt() throws {
        try RequiredTools.require(["ip", "busybox"])
        let runner = ToolRunner()
        let prefix = "bt" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        defer {
            _ = try? runner.run(["bash", Self.script, "down", "--prefix", prefix])
            let left = ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(prefix) }
            #expect(left.isEmpty, "left behind: \(left)")
        }
        let up = try runner.check(["bash", Self.script, "up", "--nodes", "3", "--prefix", prefix])
        let values = Dictionary(String(decoding: up.stdout, as: UTF8.self).split(separator: "\n").compactMap { line -> (String, String)? in
            let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { $1 })
        #expect(values["prefix"] == prefix)
        #expect(values["node3"] == "\(prefix)-n3")
        #expect(values["node3_address"] == "198.18.0.13")
        #expect(values["outside_server"] == "203.0.113.1")
        try runner.check(["ip", "netns", "exec", "\(prefix)-n1", "busybox", "ping", "-c", "1", "-W", "2", "198.18.0.13"])
        try runner.check(["ip", "netns", "exec", "\(prefix)-n2", "busybox", "ping", "-c", "1", "-W", "2", "203.0.113.1"])
        // A container namespace named with the prefix goes too, and so does a process living in
        // one of the lab's namespaces (what a container or an agent's child would be).
        try runner.check(["ip", "netns", "add", "\(prefix)-c1"])
        let resident = try ChildProcess(name: "resident", executable: try runner.resolve("ip"),
                                        arguments: ["netns", "exec", "\(prefix)-c1", try runner.resolve("sleep"), "300"], stdout: "/dev/null")
        defer { resident.killNow() }
        try runner.check(["bash", Self.script, "down", "--prefix", prefix])
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(prefix) }.isEmpty)
        #expect(TCPProbe.poll(timeout: 5) { !resident.isRunning }, "down stops the lab's processes")
    }

    @Test func aMissingToolIsNamed() {
        #expect(RequiredTools.missing(["ip", "no-such-tool-berth"]) == (getuid() == 0 ? "no-such-tool-berth" : "root (network namespaces need CAP_NET_ADMIN)"))
        #expect(throws: HostNetworkError.self) { try ToolRunner().resolve("no-such-tool-berth") }
    }
}
