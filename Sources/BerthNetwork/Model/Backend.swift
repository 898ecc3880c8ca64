/// How packets reach other nodes' container subnets: a configured `NetworkBackend`.
///
/// Flannel's two kernel-only backends are registered: `host-gw` (`HostGWBackend`) routes each
/// peer subnet straight to the peer's underlay address (nodes share an L2 link); `vxlan`
/// (`VXLANBackend`) encapsulates in UDP through one VXLAN device whose neighbour and FDB entries
/// are written from the peer list, never learnt. A new backend is a file conforming to
/// `NetworkBackend` and a line in `registry`.
public struct Backend: Sendable, Hashable, CustomStringConvertible {
    /// The backend's behaviour: what a peer lease becomes, its device, its rules.
    public let driver: any NetworkBackend

    public init(_ driver: any NetworkBackend) { self.driver = driver }

    /// The port Linux and Flannel use for VXLAN (not IANA's 4789), so Berth and Flannel nodes agree.
    public static let defaultVXLANPort: UInt16 = 8472
    /// Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14) headers.
    public static let vxlanOverhead = VXLANBackend.overhead

    public static func vxlan(vni: UInt32, port: UInt16 = Backend.defaultVXLANPort) -> Backend { Backend(VXLANBackend(vni: vni, port: port)) }
    public static let hostGW = Backend(HostGWBackend())

    /// What configuration can name, and how each is made from the cluster network's settings.
    /// (Flannel's `backend.Register` in each backend's `init`.)
    static let registry: [(names: [String], make: @Sendable (_ vni: UInt32, _ port: UInt16) -> any NetworkBackend)] = [
        (["vxlan"], { VXLANBackend(vni: $0, port: $1) }),
        (["host-gw", "hostgw", "host_gw"], { _, _ in HostGWBackend() }),
    ]

    /// Parses a backend named in configuration ("vxlan", "host-gw"); anything else is an error a
    /// user can read, before any link is touched.
    public init(name: String, vni: UInt32 = 1, port: UInt16 = Backend.defaultVXLANPort) throws(HostNetworkError) {
        guard let entry = Self.registry.first(where: { $0.names.contains(name.lowercased()) }) else { throw .unknownBackend(name) }
        self.init(entry.make(vni, port))
    }

    /// The MTU containers get on an underlay of `underlayMTU`.
    public func mtu(underlayMTU: Int) -> Int { underlayMTU - driver.overhead }

    public var description: String { driver.description }

    public static func == (a: Backend, b: Backend) -> Bool { AnyHashable(a.driver) == AnyHashable(b.driver) }
    public func hash(into hasher: inout Hasher) { hasher.combine(AnyHashable(driver)) }
}
