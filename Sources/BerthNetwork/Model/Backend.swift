/// How packets reach other nodes' container subnets.
///
/// Flannel's two kernel-only backends: `hostGW` routes each peer subnet straight to the peer's
/// underlay address (nodes must share an L2 link); `vxlan` encapsulates in UDP through one VXLAN
/// device whose neighbour and FDB entries are written from the peer list, never learnt.
public enum Backend: Sendable, Hashable, CustomStringConvertible {
    case vxlan(vni: UInt32, port: UInt16 = Backend.defaultVXLANPort)
    case hostGW

    /// The port Linux and Flannel use for VXLAN (not IANA's 4789), so Berth and Flannel nodes agree.
    public static let defaultVXLANPort: UInt16 = 8472
    /// Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers.
    public static let vxlanOverhead = 50

    /// Parses a backend named in configuration ("vxlan", "host-gw"); anything else is an error a
    /// user can read, before any link is touched.
    public init(name: String, vni: UInt32 = 1, port: UInt16 = Backend.defaultVXLANPort) throws(HostNetworkError) {
        switch name.lowercased() {
        case "vxlan": self = .vxlan(vni: vni, port: port)
        case "host-gw", "hostgw", "host_gw": self = .hostGW
        default: throw .unknownBackend(name)
        }
    }

    /// The MTU containers get on an underlay of `underlayMTU`.
    public func mtu(underlayMTU: Int) -> Int {
        switch self {
        case .hostGW: underlayMTU
        case .vxlan: underlayMTU - Backend.vxlanOverhead
        }
    }

    public var description: String {
        switch self {
        case .hostGW: "host-gw"
        case .vxlan(let vni, let port): "vxlan(vni \(vni), port \(port))"
        }
    }
}
