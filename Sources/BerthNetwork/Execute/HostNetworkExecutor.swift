import BerthCore
import Foundation

/// The thin part that talks to the kernel: reads the node namespace into `HostNetworkObserved`
/// and applies actions with as few processes as it can (one `ip -batch` per namespace, one
/// `bridge -batch`, one `nft -f`). The agent stays in its own namespace and reaches the node's
/// with `ip -n NAME` and `ip netns exec NAME`.
public struct HostNetworkExecutor: Sendable {
    /// The node namespace; nil is the caller's own.
    public let namespace: String?
    public let runner: ToolRunner

    public init(namespace: String?, runner: ToolRunner = ToolRunner()) {
        self.namespace = namespace
        self.runner = runner
    }

    // MARK: Observe

    /// Links with addresses, main-table routes and neighbours from one `ip -batch`; FDB entries,
    /// forwarding and the node's two nft tables; namespaces from /run/netns. Six processes (four
    /// in the agent's own namespace, whose sysctls are read from /proc): `ip`, two `sysctl`, two
    /// `nft` (`ip berth` and `bridge berth`, whole: the services' maps are in a table of their
    /// own), and `bridge` for VXLAN.
    public func observe() throws(HostNetworkError) -> HostNetworkObserved {
        let command = ip(["-d", "-json", "-batch", "-"])
        let batch = try runner.check(command, input: Data("addr show\nroute show table main\nneigh show\n".utf8))
        let parts = batch.stdout.split(separator: UInt8(ascii: "\n")).filter { !$0.allSatisfy { $0 == 32 } }
        guard parts.count == 3 else {
            throw .unreadableOutput(command: command.joined(separator: " "), reason: "expected 3 JSON documents, got \(parts.count)")
        }
        var observed = HostNetworkObserved()
        do {
            observed.links = Dictionary(try IPJSON.links(Data(parts[0])).map { ($0.name, $0) }, uniquingKeysWith: { $1 })
            observed.routes = try IPJSON.routes(Data(parts[1]))
            observed.neighbours = try IPJSON.neighbours(Data(parts[2])).filter { LinkNames.isVXLAN($0.device) }
        } catch {
            throw .unreadableOutput(command: command.joined(separator: " "), reason: "\(error)")
        }
        if observed.links.keys.contains(where: LinkNames.isVXLAN) {
            let fdbCommand = bridge(["-json", "fdb", "show"])
            do { observed.fdb = try IPJSON.fdb(try runner.check(fdbCommand).stdout) }
            catch let error as HostNetworkError { throw error }
            catch { throw .unreadableOutput(command: fdbCommand.joined(separator: " "), reason: "\(error)") }
        }
        observed.ipForwarding = try readSysctl("net.ipv4.ip_forward") == "1"
        observed.bridgeNetfilter = try bridgeNetfilter()
        // The service proxy's objects are in a table of their own (any found here were left by an
        // older agent: they are read, so the plan deletes them), so these listings are small.
        observed.firewall = try readTable(NodeFirewall.tableName)
        observed.bridgeFirewall = try readTable(NodeFirewall.tableName, family: "bridge")
        observed.namespaces = Self.namespaces()
        return observed
    }

    /// `net.bridge.bridge-nf-call-iptables`, loading br_netfilter first when the setting does not
    /// exist (modules are the machine's, the setting each namespace's); nil when it still does not.
    func bridgeNetfilter() throws(HostNetworkError) -> Bool? {
        let key = "net.bridge.bridge-nf-call-iptables"
        if let value = try sysctlIfPresent(key) { return value == "1" }
        _ = try? runner.run(["modprobe", "br_netfilter"])
        return try sysctlIfPresent(key).map { $0 == "1" }
    }

    /// A sysctl's value, or nil when the key does not exist.
    func sysctlIfPresent(_ key: String) throws(HostNetworkError) -> String? {
        let path = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
        if namespace == nil { return FileManager.default.fileExists(atPath: path) ? try readSysctl(key) : nil }
        let output = try runner.run(inNode(["sysctl", "-n", key]))
        if output.status != 0 {
            if output.stderr.contains("No such file or directory") || output.stderr.contains("cannot stat") { return nil }
            throw .commandFailed(command: inNode(["sysctl", "-n", key]).joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
        }
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func readSysctl(_ key: String) throws(HostNetworkError) -> String {
        let path = "/proc/sys/" + key.replacingOccurrences(of: ".", with: "/")
        if namespace == nil {
            return ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        }
        let output = try runner.check(inNode(["sysctl", "-n", key]))
        return String(decoding: output.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    static func namespaces() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? [])
    }

    // MARK: Apply

    /// Runs `actions` grouped by where they run, in the phase order of `CommandTarget`; stops at
    /// the first failure and reports the command, the failing line and stderr.
    public func apply(_ actions: [NetworkAction]) throws(HostNetworkError) {
        var groups: [CommandTarget: [String]] = [:]
        for action in actions {
            for (target, line) in CommandScript.render(action) { groups[target, default: []].append(line) }
        }
        for target in groups.keys.sorted() {
            try run(target, lines: groups[target]!)
        }
    }

    func run(_ target: CommandTarget, lines: [String]) throws(HostNetworkError) {
        switch target {
        case .sysctl:
            if namespace == nil {
                for line in lines {
                    let parts = line.split(separator: "=", maxSplits: 1).map(String.init)
                    let path = "/proc/sys/" + parts[0].replacingOccurrences(of: ".", with: "/")
                    do { try Data(parts[1].utf8).write(to: URL(fileURLWithPath: path)) }
                    catch { throw .commandFailed(command: "write \(path)", line: line, status: -1, stderr: "\(error)") }
                }
            } else {
                try runner.check(inNode(["sysctl", "-qw"] + lines))
            }
        case .ip:
            try batch(ip(["-batch", "-"]), lines)
        case .containerIP(let ns):
            try batch(["ip", "-n", ns, "-batch", "-"], lines)
        case .bridge:
            try batch(bridge(["-batch", "-"]), lines)
        case .nft:
            try batch(inNode(["nft", "-f", "-"]), lines)
        }
    }

    /// One process reading `lines` on stdin; a failure names the line the tool stopped at.
    func batch(_ command: [String], _ lines: [String]) throws(HostNetworkError) {
        let output = try runner.run(command, input: Data(lines.map { $0 + "\n" }.joined().utf8))
        guard output.status == 0 else {
            throw .commandFailed(command: command.joined(separator: " "), line: Self.failingLine(output.stderr, lines), status: output.status, stderr: output.stderr)
        }
    }

    /// `ip`/`bridge` say "Command failed -:N"; nft says "/dev/stdin:N:…".
    static func failingLine(_ stderr: String, _ lines: [String]) -> String? {
        for marker in ["Command failed -:", "/dev/stdin:"] {
            if let range = stderr.range(of: marker) {
                let digits = stderr[range.upperBound...].prefix { $0.isNumber }
                if let n = Int(digits), n >= 1, n <= lines.count { return lines[n - 1] }
            }
        }
        return nil
    }

    /// Deletes the node's conntrack entries from `address` (`-s`: what it opened, masqueraded or
    /// not) and to it (`--reply-src`: what reached it, directly or DNATed through a host port or
    /// a VIP). `conntrack -D` exits 1 when nothing matched, which is fine; anything else (no
    /// conntrack-tools) is an error: the address must not go to another container while an
    /// established flow could still reach it past that container's rules.
    public func forgetFlows(of address: IPv4Address) throws(HostNetworkError) {
        for selector in ["-s", "--reply-src"] {
            let command = inNode(["conntrack", "-D", "-f", "ipv4", selector, "\(address)"])
            let output = try runner.run(command)
            guard output.status == 0 || output.stderr.contains("0 flow entries have been deleted") else {
                throw .commandFailed(command: command.joined(separator: " "), line: nil, status: output.status, stderr: output.stderr)
            }
        }
    }

    // MARK: Commands in the node namespace

    func ip(_ arguments: [String]) -> [String] { ["ip"] + (namespace.map { ["-n", $0] } ?? []) + arguments }
    func bridge(_ arguments: [String]) -> [String] { ["bridge"] + (namespace.map { ["-n", $0] } ?? []) + arguments }
    func inNode(_ arguments: [String]) -> [String] { (namespace.map { ["ip", "netns", "exec", $0] } ?? []) + arguments }
}
