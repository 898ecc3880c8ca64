import BerthCore

/// One container's place on the node network: its own network namespace holding `eth0` with
/// exactly `address/prefix`, joined to the node bridge by a veth pair.
public struct ContainerNetwork: Sendable, Hashable {
    public var id: String
    /// The container's network namespace, a name under /run/netns; attach creates it, detach removes it.
    public var namespace: String
    public var address: IPv4Address
    public var prefix: Int
    public var ports: [PublishedPort]

    public init(id: String, namespace: String, address: IPv4Address, prefix: Int, ports: [PublishedPort] = []) {
        self.id = id
        self.namespace = namespace
        self.address = address
        self.prefix = prefix
        self.ports = ports
    }

    /// The host end of the veth pair: `bv` and 8 hex digits of a hash of the id (IFNAMSIZ is 16).
    public var hostLinkName: String { LinkNames.containerLink(forID: id) }

    /// The MAC of the container's `eth0`, derived from its address (CNI's `0a:58:` and the four
    /// address bytes): known without looking, so the bridge's anti-spoofing can name it.
    public var mac: MACAddress { MACAddress.container(address) }
}

/// A transport protocol a host port is published for.
public enum TransportProtocol: String, Sendable, Hashable, Codable, CaseIterable, Comparable {
    case tcp
    case udp

    public static func < (a: TransportProtocol, b: TransportProtocol) -> Bool { a.rawValue < b.rawValue }
}

/// A port on the node's underlay address forwarded (DNAT) to a port of a container.
public struct PublishedPort: Sendable, Hashable, Codable {
    public var proto: TransportProtocol
    public var hostPort: UInt16
    public var containerPort: UInt16

    public init(_ proto: TransportProtocol, hostPort: UInt16, containerPort: UInt16) {
        self.proto = proto
        self.hostPort = hostPort
        self.containerPort = containerPort
    }
}
