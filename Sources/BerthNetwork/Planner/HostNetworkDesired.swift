import BerthCore

/// Everything the node network should be: the node, its peers, its containers, and any extra
/// nftables objects other subsystems (service VIPs, network policy) keep in Berth's table.
public struct HostNetworkDesired: Sendable, Hashable {
    public var node: NodeNetworkConfig
    public var peers: [PeerNode]
    public var containers: [ContainerNetwork]
    /// Chains and sets merged into Berth's `ip berth` table next to the node rules.
    public var firewallExtensions: NFTTable?

    public init(node: NodeNetworkConfig, peers: [PeerNode] = [], containers: [ContainerNetwork] = [], firewallExtensions: NFTTable? = nil) {
        self.node = node
        self.peers = peers
        self.containers = containers
        self.firewallExtensions = firewallExtensions
    }

    /// Checks what needs no kernel: addresses inside the right networks, no overlaps, no duplicates.
    public func validate() throws(HostNetworkError) {
        let subnet = node.subnet
        guard subnet.prefix <= 30 else { throw .invalidConfiguration("node subnet \(subnet) leaves no room for containers (prefix must be at most /30)") }
        guard !node.clusterCIDRs.isEmpty else { throw .invalidConfiguration("no cluster CIDR given") }
        guard node.clusterCIDRs.contains(where: { $0.prefix <= subnet.prefix && $0.contains(subnet.network) }) else {
            throw .invalidConfiguration("node subnet \(subnet) is not inside the cluster network \(node.clusterCIDRs.map(\.description).joined(separator: ", "))")
        }
        try node.backend.driver.validate()
        try validatePeers()
        try validateContainers()
    }

    private func validatePeers() throws(HostNetworkError) {
        var names: Set<String> = [node.name]
        var subnets: [CIDR] = [node.subnet]
        for peer in peers {
            guard names.insert(peer.name).inserted else { throw .invalidConfiguration("peer \(peer.name) is listed twice (or is this node)") }
            guard peer.underlayAddress != node.underlayAddress else { throw .invalidConfiguration("peer \(peer.name) has this node's underlay address \(peer.underlayAddress)") }
            if let clash = subnets.first(where: { $0.overlaps(peer.subnet) }) {
                throw .invalidConfiguration("peer \(peer.name)'s subnet \(peer.subnet) overlaps \(clash)")
            }
            guard node.clusterCIDRs.contains(where: { $0.prefix <= peer.subnet.prefix && $0.contains(peer.subnet.network) }) else {
                throw .invalidConfiguration("peer \(peer.name)'s subnet \(peer.subnet) is outside the cluster network")
            }
            subnets.append(peer.subnet)
        }
    }

    private func validateContainers() throws(HostNetworkError) {
        var addresses: Set<IPv4Address> = []
        var links: [String: String] = [:]
        var namespaces: Set<String> = []
        var ports: Set<String> = []
        let subnet = node.subnet
        let broadcast = IPv4Address(subnet.network.value + UInt32(subnet.size - 1))
        for c in containers {
            guard subnet.contains(c.address), c.address != subnet.network, c.address != node.gateway, c.address != broadcast else {
                throw .invalidConfiguration("container \(c.id)'s address \(c.address) is not a usable host of the node subnet \(subnet)")
            }
            guard (subnet.prefix...32).contains(c.prefix) else { throw .invalidConfiguration("container \(c.id)'s prefix /\(c.prefix) must be between /\(subnet.prefix) and /32") }
            guard addresses.insert(c.address).inserted else { throw .invalidConfiguration("address \(c.address) is given to two containers") }
            if let other = links.updateValue(c.id, forKey: c.hostLinkName) {
                throw .invalidConfiguration("containers \(other) and \(c.id) hash to the same link name \(c.hostLinkName)")
            }
            try Self.checkNamespace(c.namespace)
            guard namespaces.insert(c.namespace).inserted else { throw .invalidConfiguration("namespace \(c.namespace) is given to two containers") }
            guard c.namespace != node.namespace else { throw .invalidConfiguration("container \(c.id) uses the node's own namespace") }
            for port in c.ports {
                guard port.hostPort != 0, port.containerPort != 0 else { throw .invalidConfiguration("container \(c.id) publishes port 0") }
                guard ports.insert("\(port.proto)/\(port.hostPort)").inserted else {
                    throw .invalidConfiguration("host port \(port.proto)/\(port.hostPort) is published twice")
                }
            }
        }
    }

    /// A name `ip netns` accepts: a plain file name under /run/netns.
    static func checkNamespace(_ name: String) throws(HostNetworkError) {
        guard !name.isEmpty, name.utf8.count <= 200, name != ".", name != "..", !name.contains("/"),
              name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        else { throw .invalidConfiguration("network namespace name \"\(name)\" must be letters, digits, '-', '_' or '.'") }
    }
}
