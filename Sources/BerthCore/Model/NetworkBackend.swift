/// How the nodes' agents connect one node's containers to another's on a `containers` network,
/// as Flannel's backends do.
public enum NetworkBackend: String, Sendable, Codable, CaseIterable, ListedEnum, Defaultable {
    /// Each node tunnels to its peers over one VXLAN device per network (UDP 8472, learning off),
    /// with a permanent neighbour, FDB entry and onlink route per peer. Works across routers.
    case vxlan
    /// Each node routes a peer's subnet via the peer's address: the nodes must share a link.
    /// No encapsulation, so no MTU cost.
    case hostGW = "host-gw"

    /// Networks without a backend in their spec tunnel, which works on any underlay.
    public static let `default` = NetworkBackend.vxlan
    public static var defaultValue: NetworkBackend { .default }

    /// The VXLAN network identifiers a network may use: 24 bits, 0 excluded (RFC 7348 leaves it
    /// to no one in practice, and Linux refuses it on some paths).
    public static let vniRange = 1...16_777_215
    /// The VNI of a network whose spec names none.
    public static let defaultVNI = 1
}
