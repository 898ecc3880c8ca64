import BerthCore
import Foundation

/// The shapes `ip -json -d addr/route/neigh show` and `bridge -json fdb show` print, decoded with
/// Codable and turned into the observed model. Unknown fields are ignored: iproute2 adds fields
/// between versions.
enum IPJSON {
    struct Link: Decodable {
        var ifname: String
        var flags: [String]?
        var mtu: Int?
        var master: String?
        var address: String?
        var linkinfo: LinkInfo?
        var addr_info: [AddrInfo]?
    }

    struct LinkInfo: Decodable {
        var info_kind: String?
        var info_data: VXLANData?

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            info_kind = try c.decodeIfPresent(String.self, forKey: .info_kind)
            // info_data's shape depends on the kind; only VXLAN's is read.
            info_data = info_kind == "vxlan" ? try c.decodeIfPresent(VXLANData.self, forKey: .info_data) : nil
        }

        enum CodingKeys: String, CodingKey { case info_kind, info_data }
    }

    struct VXLANData: Decodable {
        var id: UInt32?
        var local: String?
        var link: String?
        var port: UInt16?
        var learning: Bool?
    }

    struct AddrInfo: Decodable {
        var family: String?
        var local: String?
        var prefixlen: Int?
    }

    struct Route: Decodable {
        var dst: String
        var gateway: String?
        var dev: String?
        var `protocol`: String?
        var flags: [String]?
        var type: String?
        var prefsrc: String?
    }

    struct Neighbour: Decodable {
        var dst: String
        var dev: String?
        var lladdr: String?
        var state: [String]?
    }

    struct FDB: Decodable {
        var mac: String
        var ifname: String?
        var dst: String?
    }

    static func links(_ data: Data) throws -> [ObservedLink] {
        try JSONDecoder().decode([Link].self, from: data).map { link in
            let vx = link.linkinfo?.info_data
            return ObservedLink(
                name: link.ifname,
                kind: link.linkinfo?.info_kind ?? "",
                mtu: link.mtu ?? 0,
                up: link.flags?.contains("UP") ?? false,
                master: link.master,
                mac: link.address.flatMap(MACAddress.init),
                vxlan: vx.map { VXLANSettings(vni: $0.id ?? 0, port: $0.port ?? 0, local: $0.local.flatMap { IPv4Address($0) }, device: $0.link, learning: $0.learning ?? true) },
                addresses: (link.addr_info ?? []).compactMap { info in
                    guard info.family == "inet", let local = info.local.flatMap({ IPv4Address($0) }), let prefix = info.prefixlen else { return nil }
                    return InterfaceAddress(local, prefix: prefix)
                }
            )
        }
    }

    static func routes(_ data: Data) throws -> [ObservedRoute] {
        try JSONDecoder().decode([Route].self, from: data).compactMap { route in
            guard route.type == nil || route.type == "unicast" else { return nil }
            guard let destination = cidr(route.dst) else { return nil }
            return ObservedRoute(destination: destination, gateway: route.gateway.flatMap { IPv4Address($0) }, device: route.dev,
                                 onlink: route.flags?.contains("onlink") ?? false, proto: route.protocol ?? "boot",
                                 source: route.prefsrc.flatMap { IPv4Address($0) })
        }
    }

    static func neighbours(_ data: Data) throws -> [ObservedNeighbour] {
        try JSONDecoder().decode([Neighbour].self, from: data).compactMap { n in
            guard let address = IPv4Address(n.dst), let dev = n.dev else { return nil }
            return ObservedNeighbour(address: address, mac: n.lladdr.flatMap(MACAddress.init), device: dev, permanent: n.state?.contains("PERMANENT") ?? false)
        }
    }

    static func fdb(_ data: Data) throws -> [FDBEntry] {
        try JSONDecoder().decode([FDB].self, from: data).compactMap { entry in
            guard let dev = entry.ifname, LinkNames.isVXLAN(dev), let mac = MACAddress(entry.mac),
                  let dst = entry.dst.flatMap({ IPv4Address($0) }) else { return nil }
            return FDBEntry(mac: mac, device: dev, destination: dst)
        }
    }

    /// `default`, `10.88.4.0/24` or a bare host address (`ip` drops the /32).
    static func cidr(_ text: String) -> CIDR? {
        if text == "default" { return CIDR(network: IPv4Address(0), prefix: 0) }
        if let address = IPv4Address(text) { return CIDR(network: address, prefix: 32) }
        guard let slash = text.firstIndex(of: "/"), let address = IPv4Address(text[..<slash]), let prefix = Int(text[text.index(after: slash)...]) else { return nil }
        return CIDR(network: address, prefix: prefix)
    }
}
