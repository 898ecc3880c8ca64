/// Where a rendered command runs: `ip`/`bridge` batches per namespace, the node's sysctls, its
/// nft table. Actions of one kind in one namespace share one process.
enum CommandTarget: Hashable, Comparable {
    case sysctl
    case ip(namespace: String?)
    case containerIP(namespace: String)
    case bridge
    case nft

    /// The order the executor runs targets in: links before the containers' sides of veths,
    /// links before the FDB entries on them, and the firewall last.
    var phase: Int {
        switch self {
        case .sysctl: 0
        case .ip: 1
        case .containerIP: 2
        case .bridge: 3
        case .nft: 4
        }
    }

    static func < (a: CommandTarget, b: CommandTarget) -> Bool {
        if a.phase != b.phase { return a.phase < b.phase }
        if case .containerIP(let x) = a, case .containerIP(let y) = b { return x < y }
        return false
    }
}

/// Turns actions into lines of `ip -batch`, `bridge -batch`, sysctl settings and nft scripts.
enum CommandScript {
    static let proto = "proto \(RouteProtocol.berth)"

    static func render(_ action: NetworkAction) -> [(CommandTarget, String)] {
        switch action {
        case .createBridge(let name, let mtu):
            return [(.ip(namespace: nil), "link add \(name) mtu \(mtu) type bridge")]
        case .createVXLAN(let d):
            return [(.ip(namespace: nil), "link add \(d.name) address \(d.mac) mtu \(d.mtu) type vxlan id \(d.vni) dstport \(d.port) local \(d.local) dev \(d.underlayDevice) nolearning")]
        case .createVeth(let host, let mtu, let ns):
            return [(.ip(namespace: nil), "link add \(host) mtu \(mtu) type veth peer name \(LinkNames.containerInterface) mtu \(mtu) netns \(ns)")]
        case .deleteLink(let name):
            return [(.ip(namespace: nil), "link del \(name)")]
        case .setLink(let name, let master, let mtu, let up):
            var line = "link set \(name)"
            if let master { line += " master \(master)" }
            if let mtu { line += " mtu \(mtu)" }
            if up { line += " up" }
            return [(.ip(namespace: nil), line)]
        case .setHairpin(let name):
            return [(.ip(namespace: nil), "link set \(name) type bridge_slave hairpin on")]
        case .addAddress(let a, let device):
            return [(.ip(namespace: nil), "addr add \(a) dev \(device)")]
        case .deleteAddress(let a, let device):
            return [(.ip(namespace: nil), "addr del \(a) dev \(device)")]
        case .replaceRoute(let r):
            return [(.ip(namespace: nil), "route replace \(route(r)) \(proto)")]
        case .addRoute(let r):
            return [(.ip(namespace: nil), "route add \(route(r)) \(proto)")]
        case .deleteRoute(let r):
            return [(.ip(namespace: nil), "route del \(r.destination) \(proto)")]
        case .replaceNeighbour(let address, let mac, let device):
            return [(.ip(namespace: nil), "neigh replace \(address) lladdr \(mac) dev \(device) nud permanent")]
        case .deleteNeighbour(let address, let device):
            return [(.ip(namespace: nil), "neigh del \(address) dev \(device)")]
        case .flushNeighbour(let address, let device):
            return [(.ip(namespace: nil), "neigh flush to \(address) dev \(device)")]
        case .replaceFDB(let e):
            return [(.bridge, "fdb replace \(e.mac) dev \(e.device) dst \(e.destination) self permanent")]
        case .deleteFDB(let e):
            return [(.bridge, "fdb del \(e.mac) dev \(e.device) dst \(e.destination) self")]
        case .setSysctl(let key, let value):
            return [(.sysctl, "\(key)=\(value)")]
        case .configureContainer(let c):
            let target = CommandTarget.containerIP(namespace: c.namespace)
            let eth = LinkNames.containerInterface
            // A gateway outside the container's own prefix (a /32 address) needs `onlink`.
            let onlink = c.address.network.contains(c.gateway) ? "" : " onlink"
            return [
                (target, "link set lo up"),
                (target, "addr add \(c.address) dev \(eth)"),
                (target, "link set \(eth)\(c.mac.map { " address \($0)" } ?? "") mtu \(c.mtu) up"),
                (target, "route replace default via \(c.gateway) dev \(eth)\(onlink) \(proto)"),
            ]
        case .setContainerMTU(let ns, let mtu):
            return [(.containerIP(namespace: ns), "link set \(LinkNames.containerInterface) mtu \(mtu)")]
        case .nftTransaction(let t):
            return t.commands.map { (.nft, $0) }
        }
    }

    static func route(_ r: RouteSpec) -> String {
        var text = "\(r.destination)"
        if let gateway = r.gateway { text += " via \(gateway)" }
        if let device = r.device { text += " dev \(device)" }
        if r.onlink { text += " onlink" }
        if let source = r.source { text += " src \(source)" }
        return text
    }
}
