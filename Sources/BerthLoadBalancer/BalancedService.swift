import BerthCore

/// One service's backend as both renderers see it: the port it balances, the algorithm, and its
/// servers in a fixed order.
///
/// Address choice, port selection, ordering and de-duplication live here, once, so the nginx
/// and HAProxy files always agree and the rendered text only changes when the targets do.
public struct BalancedService: Sendable, Hashable {
    /// One backend server: a name unique within the service and an `ADDR:PORT` to dial.
    public struct Server: Sendable, Hashable {
        public var name: String
        public var address: String
    }

    public var name: String
    public var index: UInt64
    public var algorithm: LoadBalancerAlgorithm
    /// False when the server answered 404: the service does not exist (yet).
    public var exists: Bool
    /// The service port whose targets are balanced: the first TCP port. Nil when the service
    /// declares no port (every target is used) or does not exist.
    public var port: ServicePort?
    public var servers: [Server]
    /// Targets left out because their address cannot be written safely into a config file.
    public var skipped: Int

    public init(_ watched: WatchedService) {
        name = watched.name
        index = watched.index
        guard let targets = watched.targets else {
            algorithm = .roundRobin
            exists = false
            port = nil
            servers = []
            skipped = 0
            return
        }
        exists = true
        algorithm = targets.loadBalancer.algorithm
        port = targets.ports.first { $0.protocol == .tcp }
        let selected: [ServiceTargets.Target]
        if let port {
            selected = targets.targets.filter { $0.port == port.targetPort }
        } else if targets.ports.isEmpty {
            selected = targets.targets
        } else {
            selected = []  // only UDP ports: nothing an HTTP proxy can balance
        }
        (servers, skipped) = Self.servers(for: selected)
    }

    /// Sorted by container then port, one server per distinct address. A container that appears
    /// under several ports (a service without declared ports) gets `-PORT` appended to its name.
    static func servers(for targets: [ServiceTargets.Target]) -> ([Server], Int) {
        let sorted = targets.sorted { ($0.container, $0.port) < ($1.container, $1.port) }
        var perContainer: [String: Int] = [:]
        for target in sorted { perContainer[target.container, default: 0] += 1 }
        var servers: [Server] = []
        var seen: Set<String> = []
        var skipped = 0
        for target in sorted {
            guard let address = Self.address(of: target), TextSafety.isSafeName(target.container) else {
                skipped += 1
                continue
            }
            guard seen.insert(address).inserted else { continue }
            let name = perContainer[target.container, default: 0] > 1 ? "\(target.container)-\(target.port)" : target.container
            servers.append(Server(name: name, address: address))
        }
        return (servers, skipped)
    }

    /// `hostAddress:hostPort` when the agent published a host port (the process driver, or a
    /// container without a routable IP), else `ip:port`, else `hostAddress:port` (host network).
    /// Nil when the address holds characters that have no business in a config file.
    public static func address(of target: ServiceTargets.Target) -> String? {
        let host: String
        let port: Int
        if let hostPort = target.hostPort {
            (host, port) = (target.hostAddress, hostPort)
        } else if let ip = target.ip, !ip.isEmpty {
            (host, port) = (ip, target.port)
        } else {
            (host, port) = (target.hostAddress, target.port)
        }
        guard TextSafety.isSafeHost(host), (1...65535).contains(port) else { return nil }
        let bracketed = host.contains(":") && !host.hasPrefix("[") ? "[\(host)]" : host
        return "\(bracketed):\(port)"
    }

    /// The count shown in logs: `web=3`, `api=0`, `ghost=missing`.
    public var countText: String {
        exists ? "\(name)=\(servers.count)" : "\(name)=missing"
    }

    /// One header-comment line describing what was rendered and from which change index.
    public var headerLine: String {
        guard exists else {
            let at = index > 0 ? " (index \(index))" : ""
            return "\(name): not found\(at); rendered with no target until it is created"
        }
        var parts = ["index \(index)"]
        parts.append(servers.isEmpty ? "no healthy target (answers 503)" : "\(servers.count) target\(servers.count == 1 ? "" : "s")")
        parts.append(algorithm.rawValue)
        if let port { parts.append("port \(port.port)->\(port.targetPort)/tcp") }
        if skipped > 0 { parts.append("\(skipped) skipped (unusable address)") }
        return "\(name): " + parts.joined(separator: ", ")
    }
}

/// Character checks for values the server sends that end up inside config files. The server
/// validates them already; checking again keeps a bad value from turning into a directive.
enum TextSafety {
    /// Letters, digits, `.`, `-`, `_`, `:`, `[`, `]` and `%` (IPv6 zone): hostnames and IP literals.
    static func isSafeHost(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 253 && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_:[]%".unicodeScalars.contains(scalar))
        }
    }

    /// Letters, digits, `.`, `-` and `_`: container ids and service names.
    static func isSafeName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= 128 && text.unicodeScalars.allSatisfy { scalar in
            scalar.isASCII && (scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || ".-_".unicodeScalars.contains(scalar))
        }
    }
}
