import BerthCore
import BerthNetwork
import Foundation
import Testing

/// The test fixture twin of `scripts/netlab`: an underlay switch namespace, N node namespaces at
/// 198.18.0.(10+i)/24 and an "outside" router at 198.18.0.1 holding 203.0.113.1, all named with a
/// per-run prefix. `teardown()` kills the processes it started, deletes every namespace with the
/// prefix and returns what is left (which must be nothing). The root namespace gets nothing.
final class NetworkLab: @unchecked Sendable {
    struct Node {
        var index: Int
        var namespace: String
        var address: IPv4Address
    }

    let prefix: String
    let runner = CommandRunner()
    private(set) var nodes: [Node] = []
    private var pids: [pid_t] = []
    private var tornDown = false
    private let lock = NSLock()

    var switchNamespace: String { "\(prefix)-sw" }
    var outsideNamespace: String { "\(prefix)-out" }
    static let outsideAddress = IPv4Address("198.18.0.1")!
    static let outsideServer = IPv4Address("203.0.113.1")!

    init(nodes count: Int) throws {
        prefix = "bt" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        do {
            try ip(nil, ["netns", "add", switchNamespace])
            try ip(nil, ["netns", "add", outsideNamespace])
            try batch(switchNamespace, ["link set lo up", "link add br0 type bridge", "link set br0 up",
                                        "link add out type veth peer name eth0 netns \(outsideNamespace)", "link set out master br0 up"])
            try batch(outsideNamespace, ["link set lo up", "addr add 203.0.113.1/24 dev lo", "addr add 198.18.0.1/24 dev eth0", "link set eth0 up"])
            try exec(outsideNamespace, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            for _ in 0..<count { _ = try addNode() }
        } catch {
            _ = teardown()
            throw error
        }
    }

    deinit { _ = teardown() }

    /// One more node on the switch (a node that joins later).
    @discardableResult
    func addNode() throws -> Node {
        let i = nodes.count + 1
        let node = Node(index: i, namespace: "\(prefix)-n\(i)", address: IPv4Address(UInt32(0xc612_0000) + UInt32(10 + i)))
        try ip(nil, ["netns", "add", node.namespace])
        try batch(switchNamespace, ["link add n\(i) type veth peer name eth0 netns \(node.namespace)", "link set n\(i) master br0 up"])
        try batch(node.namespace, ["link set lo up", "addr add \(node.address)/24 dev eth0", "link set eth0 up", "route add default via 198.18.0.1"])
        nodes.append(node)
        return node
    }

    /// A container namespace name carrying the prefix (so teardown finds it).
    func containerNamespace(_ name: String) -> String { "\(prefix)-\(name)" }

    // MARK: Processes

    @discardableResult
    func exec(_ namespace: String, _ arguments: [String], input: Data = Data()) throws -> CommandRunner.Output {
        try runner.check(["ip", "netns", "exec", namespace] + arguments, input: input)
    }

    func ip(_ namespace: String?, _ arguments: [String]) throws {
        try runner.check(["ip"] + (namespace.map { ["-n", $0] } ?? []) + arguments)
    }

    func batch(_ namespace: String, _ lines: [String]) throws {
        try runner.check(["ip", "-n", namespace, "-batch", "-"], input: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// Starts a long-running process in `namespace`; teardown kills it.
    func spawn(_ namespace: String, _ arguments: [String]) throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try runner.resolve("ip"))
        process.arguments = ["netns", "exec", namespace] + arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        lock.withLock { pids.append(process.processIdentifier) }
        return process.processIdentifier
    }

    // MARK: Teardown

    /// Kills started processes, deletes every namespace with the prefix, and returns anything
    /// with the prefix still present (namespaces, root links, root nft tables named after it).
    @discardableResult
    func teardown() -> [String] {
        let (started, first) = lock.withLock { () -> ([pid_t], Bool) in
            defer { tornDown = true; pids = [] }
            return (pids, !tornDown)
        }
        for pid in started { kill(pid, SIGKILL); var status: Int32 = 0; waitpid(pid, &status, 0) }
        if first || !leftovers().isEmpty {
            for name in namespacesWithPrefix() { _ = try? runner.run(["ip", "netns", "del", name]) }
        }
        return leftovers()
    }

    func namespacesWithPrefix() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []).filter { $0.hasPrefix(prefix) }.sorted()
    }

    func leftovers() -> [String] {
        var left = namespacesWithPrefix().map { "netns \($0)" }
        if let links = try? runner.run(["ip", "-o", "link", "show"]) {
            left += String(decoding: links.stdout, as: UTF8.self).split(separator: "\n").filter { $0.contains(prefix) }.map { "root link \($0)" }
        }
        return left
    }
}
