import BerthClient
import BerthCore
import BerthHarness
import Foundation

/// Watching the node network converge: when a node registered, when its subnet was routed or
/// unrouted on the others, and servers to reach.
extension LabCluster {
    /// Waits until every container's web server answers its id from its node's namespace
    /// (`running` means the command was exec'd, not that httpd listens yet).
    public func waitUntilServing(_ containers: [Container]) async throws {
        for container in containers {
            guard let ip = container.ip, let node = node(of: container) else { throw LabError("container \(container.id) has no IP or node") }
            try await eventually("container \(container.id) serves at \(ip):\(LabWeb.port)", timeout: .seconds(20)) {
                await http(from: node.namespace, ip) == container.id
            }
        }
    }

    /// Starts busybox httpd with the peer CGI in the outside namespace, on 203.0.113.1:`port`.
    public func serveOutside(port: Int) async throws {
        let root = folder.file("outside-www")
        try FileManager.default.createDirectory(atPath: root + "/cgi-bin", withIntermediateDirectories: true)
        try "outside\n".write(toFile: root + "/index.html", atomically: true, encoding: .utf8)
        try "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\npeer=%s\\n' \"$REMOTE_ADDR\"\n"
            .write(toFile: root + "/cgi-bin/peer", atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root + "/cgi-bin/peer")
        try lab.spawn(lab.outsideNamespace, [LabWeb.busybox, "httpd", "-f", "-p", "\(NetworkLab.outsideServer):\(port)", "-h", root])
        try await eventually("the outside server on \(NetworkLab.outsideServer):\(port) answers", timeout: .seconds(10)) {
            await http(from: lab.outsideNamespace, "\(NetworkLab.outsideServer)", port: port) == "outside"
        }
    }

    /// Follows the change feed from `after` until `node` is created; returns when that was seen.
    public func registration(of node: String, after: UInt64) async throws -> ContinuousClock.Instant {
        var from = after
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let page = try await client.events(after: from, kind: "node", wait: .seconds(5)).value
            if page.events.contains(where: { $0.name == node && $0.op == "created" }) { return .now }
            from = page.next
        }
        throw LabError("node \(node) did not register within 30 s")
    }

    /// Polls the nodes' routes (every few ms) until each routes `subnet`; when each did.
    public func whenRouted(_ subnet: String, on nodes: [NetworkLab.Node]) async throws -> [String: ContinuousClock.Instant] {
        try await whenRoutes(on: nodes, "\(subnet) is routed") { $0[subnet] != nil }
    }

    /// Polls until no node in `nodes` routes `subnet`; when each stopped.
    public func whenUnrouted(_ subnet: String, on nodes: [NetworkLab.Node]) async throws -> [String: ContinuousClock.Instant] {
        try await whenRoutes(on: nodes, "\(subnet) is unrouted") { $0[subnet] == nil }
    }

    private func whenRoutes(
        on nodes: [NetworkLab.Node], _ what: String, _ condition: ([String: String]) -> Bool
    ) async throws -> [String: ContinuousClock.Instant] {
        var seen: [String: ContinuousClock.Instant] = [:]
        try await eventually("\(what) on \(nodes.map(\.name))", poll: .milliseconds(5)) {
            for node in nodes where seen[node.name] == nil && condition(routes(on: node)) { seen[node.name] = .now }
            return seen.count == nodes.count
        }
        return seen
    }

    /// The VXLAN FDB destinations in the node's namespace (`bridge fdb show`, `dst` addresses).
    public func vxlanEntries(on node: NetworkLab.Node) -> Set<String> {
        guard let output = try? lab.runner.run(["bridge", "-n", node.namespace, "fdb", "show"]) else { return [] }
        var found: Set<String> = []
        for line in String(decoding: output.stdout, as: UTF8.self).split(separator: "\n") where line.contains("berthvx") {
            let words = line.split(separator: " ")
            if let index = words.firstIndex(of: "dst"), index + 1 < words.count { found.insert(String(words[index + 1])) }
        }
        return found
    }
}

extension LabCluster {
    /// Everything an agent could configure in a node namespace, as text: its links' names, IPv4
    /// addresses, routes (every table), forwarding and the nft ruleset. Equal before and after
    /// means the agent changed nothing. (IPv6 is left out: the kernel itself moves link-local
    /// addresses from tentative to valid in a link's first seconds.)
    public func nodeState(_ node: NetworkLab.Node) throws -> String {
        var text = ""
        let links = String(decoding: try lab.runner.check(["ip", "-n", node.namespace, "-o", "link", "show"]).stdout, as: UTF8.self)
        for line in links.split(separator: "\n") { text += (line.split(separator: " ").dropFirst().first.map(String.init) ?? "") + "\n" }
        for command in [["-4", "-o", "addr", "show"], ["-4", "route", "show", "table", "all"]] {
            text += String(decoding: try lab.runner.check(["ip", "-n", node.namespace] + command).stdout, as: UTF8.self)
        }
        text += String(decoding: try lab.exec(node.namespace, ["sysctl", "-n", "net.ipv4.ip_forward"]).stdout, as: UTF8.self)
        text += String(decoding: try lab.exec(node.namespace, ["nft", "list", "ruleset"]).stdout, as: UTF8.self)
        return text
    }
}

extension LabCluster {
    /// One iperf3 stream from `namespace` to `address:5201` (see `NetworkLab.iperf3`). Bulk
    /// transfer is where a wrong MTU shows (small requests pass regardless).
    public func iperf3(from namespace: String, to address: String, seconds: Int) async throws -> Double {
        try await lab.iperf3(from: namespace, to: address, seconds: seconds)
    }
}
