import BerthCore
import BerthHarness
import BerthNetwork
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The test fixture twin of `scripts/netlab`: an underlay switch namespace, N node namespaces at
/// 198.18.0.(10+i)/24 and an "outside" router at 198.18.0.1 holding 203.0.113.1, all named with
/// a per-run prefix (`bt` + 4 hex digits). The root namespace gets nothing.
///
/// A node's namespace name doubles as its Berth node name (`<prefix>-n<i>`), so everything an
/// agent makes for it carries the prefix too: container namespaces `<prefix>-n<i>-ctr-<id>`,
/// cgroups `/sys/fs/cgroup/<controller>/berth/<prefix>-n<i>/<id>`. `teardown()` (see
/// NetworkLab+Teardown) removes all of that and returns whatever is still there.
///
/// Shared by the BerthNetwork tests, the data-plane tests and `berth-bench dataplane`.
public final class NetworkLab: @unchecked Sendable {
    /// One node namespace on the switch.
    public struct Node: Sendable, Hashable {
        public var index: Int
        /// The namespace, and the node's name in Berth.
        public var namespace: String
        /// Its underlay address, 198.18.0.(10+index).
        public var address: IPv4Address

        public var name: String { namespace }
    }

    public let prefix: String
    public let runner = ToolRunner()
    private let lock = NSLock()
    private var nodeList: [Node] = []
    var children: [ChildProcess] = []
    var tornDown = false

    public var nodes: [Node] { lock.withLock { nodeList } }
    public var switchNamespace: String { "\(prefix)-sw" }
    public var outsideNamespace: String { "\(prefix)-out" }
    /// The outside router's address on the underlay: every node's default gateway.
    public static let outsideAddress = IPv4Address("198.18.0.1")!
    /// A server "on the internet": reached from a container only through its node's masquerade.
    public static let outsideServer = IPv4Address("203.0.113.1")!
    /// The address ranges the lab uses (underlay and outside), none of which the root
    /// namespace may ever hold.
    public static let ranges = [CIDR("198.18.0.0/15")!, CIDR("203.0.113.0/24")!]
    /// The most nodes a lab holds (198.18.0.11 … 198.18.0.254).
    public static let maxNodes = 244

    /// Makes the switch, the outside router and `count` nodes. Needs root; on any failure what
    /// was made is removed again before the error is thrown.
    public init(nodes count: Int, prefix: String? = nil) throws {
        guard getuid() == 0 else { throw LabError("the network lab needs root (network namespaces need CAP_NET_ADMIN)") }
        guard count <= Self.maxNodes else { throw LabError("a lab holds at most \(Self.maxNodes) nodes, not \(count)") }
        self.prefix = prefix ?? "bt" + String(format: "%04x", UInt16.random(in: 0...UInt16.max))
        do {
            try ip(nil, ["netns", "add", switchNamespace])
            try ip(nil, ["netns", "add", outsideNamespace])
            try batch(switchNamespace, ["link set lo up", "link add br0 type bridge", "link set br0 up",
                                        "link add out type veth peer name eth0 netns \(outsideNamespace)", "link set out master br0 up"])
            try batch(outsideNamespace, ["link set lo up", "addr add 203.0.113.1/24 dev lo", "addr add 198.18.0.1/24 dev eth0", "link set eth0 up"])
            try exec(outsideNamespace, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            // The switch stands in for a physical one: frames cross it without the host's
            // netfilter (br_netfilter, when loaded, would otherwise hook every bridged packet).
            _ = try? run(switchNamespace, ["sysctl", "-qw", "-e", "net.bridge.bridge-nf-call-iptables=0", "net.bridge.bridge-nf-call-arptables=0"])
            for _ in 0..<count { try addNode() }
            // berth-bench, interrupted, still removes the lab (a test run installs no handler).
            ChildRegistry.shared.onInterrupt(self.prefix) { [weak self] in _ = self?.teardown() }
        } catch {
            _ = teardown()
            throw error
        }
    }

    deinit { _ = teardown() }

    /// One more node on the switch (a node that joins later).
    @discardableResult
    public func addNode() throws -> Node {
        let node = try lock.withLock { () throws -> Node in
            let i = nodeList.count + 1
            guard i <= Self.maxNodes else { throw LabError("a lab holds at most \(Self.maxNodes) nodes") }
            let node = Node(index: i, namespace: "\(prefix)-n\(i)", address: IPv4Address(UInt32(0xc612_0000) + UInt32(10 + i)))
            nodeList.append(node)
            return node
        }
        try ip(nil, ["netns", "add", node.namespace])
        try batch(switchNamespace, ["link add n\(node.index) type veth peer name eth0 netns \(node.namespace)", "link set n\(node.index) master br0 up"])
        try batch(node.namespace, ["link set lo up", "addr add \(node.address)/24 dev eth0", "link set eth0 up", "route add default via 198.18.0.1"])
        return node
    }

    /// A namespace name carrying the prefix (so teardown finds it), for a test's own namespaces.
    public func containerNamespace(_ name: String) -> String { "\(prefix)-\(name)" }

    // MARK: Processes

    /// Runs `arguments` in `namespace` (`ip netns exec`) and throws when it fails.
    @discardableResult
    public func exec(_ namespace: String, _ arguments: [String], input: Data = Data()) throws -> ToolRunner.Output {
        try runner.check(["ip", "netns", "exec", namespace] + arguments, input: input)
    }

    /// Runs `arguments` in `namespace` and returns its output whatever its status.
    public func run(_ namespace: String, _ arguments: [String]) throws -> ToolRunner.Output {
        try runner.run(["ip", "netns", "exec", namespace] + arguments)
    }

    /// `run`, on a thread of its own rather than Swift's cooperative pool (which has one thread
    /// per core): a test waiting seconds on a tool must not stall every other test's tasks.
    public func runDetached(_ namespace: String, _ arguments: [String]) async throws -> ToolRunner.Output {
        let runner = self.runner
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                continuation.resume(with: Result { try runner.run(["ip", "netns", "exec", namespace] + arguments) })
            }
        }
    }

    public func ip(_ namespace: String?, _ arguments: [String]) throws {
        try runner.check(["ip"] + (namespace.map { ["-n", $0] } ?? []) + arguments)
    }

    public func batch(_ namespace: String, _ lines: [String]) throws {
        try runner.check(["ip", "-n", namespace, "-batch", "-"], input: Data(lines.map { $0 + "\n" }.joined().utf8))
    }

    /// Starts a long-running process in `namespace` (output discarded, or appended to `log`);
    /// teardown kills it.
    @discardableResult
    public func spawn(_ namespace: String, _ arguments: [String], log: String? = nil) throws -> pid_t {
        let child = try ChildProcess(name: "\(namespace) \(arguments.first ?? "")", executable: try runner.resolve("ip"),
                                     arguments: ["netns", "exec", namespace] + arguments, stdout: log ?? "/dev/null")
        lock.withLock { children.append(child) }
        return child.pid
    }

    /// Stops one process `spawn` started (SIGKILL) and reaps it.
    public func kill(_ pid: pid_t) {
        let child = lock.withLock { () -> ChildProcess? in
            guard let index = children.firstIndex(where: { $0.pid == pid }) else { return nil }
            return children.remove(at: index)
        }
        child?.killNow()
    }

    func takeProcesses() -> (children: [ChildProcess], first: Bool) {
        lock.withLock {
            defer { tornDown = true; children = [] }
            return (children, !tornDown)
        }
    }
}

/// The lab could not be made, or was misused.
public struct LabError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
