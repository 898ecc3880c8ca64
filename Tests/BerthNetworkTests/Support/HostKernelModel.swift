import BerthCore
@testable import BerthNetwork
import Foundation

/// An in-memory kernel for the planner's tests: applies `NetworkAction`s to a
/// `HostNetworkObserved` with the kernel's rules (a link deleted takes its addresses, routes,
/// neighbours and FDB entries with it; a host-gw route goes out of the device that reaches its
/// gateway; creating what exists or deleting what does not is refused), and keeps each
/// container's side of its veth.
struct HostKernelModel {
    var observed: HostNetworkObserved
    var nft: NFTKernelModel
    /// `bridge berth` (commands naming the bridge family go here).
    var bridgeNFT: NFTKernelModel
    var containerSides: [String: ContainerInterface] = [:]

    struct Refused: Error, CustomStringConvertible { var description: String }

    init(observed: HostNetworkObserved) {
        self.observed = observed
        nft = NFTKernelModel(table: observed.firewall)
        bridgeNFT = NFTKernelModel(table: observed.bridgeFirewall)
    }

    mutating func apply(_ actions: [NetworkAction]) throws {
        for action in actions { try apply(action) }
        observed.firewall = nft.table
        observed.bridgeFirewall = bridgeNFT.table
    }

    private mutating func apply(_ action: NetworkAction) throws {
        switch action {
        case .createBridge(let name, let mtu):
            try create(ObservedLink(name: name, kind: "bridge", mtu: mtu, up: false))
        case .createVXLAN(let d):
            try create(ObservedLink(name: d.name, kind: "vxlan", mtu: d.mtu, up: false, mac: d.mac,
                                    vxlan: VXLANSettings(vni: d.vni, port: d.port, local: d.local, device: d.underlayDevice, learning: false)))
        case .createVeth(let host, let mtu, let ns):
            if let namespaces = observed.namespaces, !namespaces.contains(ns) { throw Refused(description: "no namespace \(ns)") }
            try create(ObservedLink(name: host, kind: "veth", mtu: mtu, up: false))
            containerSides[ns] = ContainerInterface(namespace: ns, address: InterfaceAddress(IPv4Address(0), prefix: 0), gateway: IPv4Address(0), mtu: mtu)
        case .deleteLink(let name):
            guard observed.links.removeValue(forKey: name) != nil else { throw Refused(description: "delete of missing link \(name)") }
            observed.routes.removeAll { $0.device == name }
            observed.neighbours.removeAll { $0.device == name }
            observed.fdb.removeAll { $0.device == name }
            for (key, link) in observed.links where link.master == name { observed.links[key]!.master = nil }
        case .setHairpin(let name):
            guard observed.links[name]?.master != nil else { throw Refused(description: "hairpin on \(name), which is on no bridge") }
        case .setLink(let name, let master, let mtu, let up):
            guard observed.links[name] != nil else { throw Refused(description: "set of missing link \(name)") }
            if let master {
                guard observed.links[master]?.kind == "bridge" else { throw Refused(description: "master \(master) is not a bridge") }
                observed.links[name]!.master = master
            }
            if let mtu { observed.links[name]!.mtu = mtu }
            if up { observed.links[name]!.up = true }
        case .addAddress(let a, let device):
            guard let link = observed.links[device], !link.addresses.contains(a) else { throw Refused(description: "add address \(a) to \(device)") }
            observed.links[device]!.addresses.append(a)
        case .deleteAddress(let a, let device):
            guard let i = observed.links[device]?.addresses.firstIndex(of: a) else { throw Refused(description: "delete of missing address \(a)") }
            observed.links[device]!.addresses.remove(at: i)
        case .addRoute(let r):
            guard !observed.routes.contains(where: { $0.destination == r.destination }) else { throw Refused(description: "route to \(r.destination) exists") }
            try apply(.replaceRoute(r))
        case .replaceRoute(let r):
            let device = try r.device ?? deviceReaching(r.gateway)
            guard observed.links[device] != nil else { throw Refused(description: "route via missing device \(device)") }
            if !r.onlink, let gateway = r.gateway, try deviceReaching(gateway) != device { throw Refused(description: "gateway \(gateway) not on \(device)") }
            observed.routes.removeAll { $0.destination == r.destination }
            observed.routes.append(ObservedRoute(destination: r.destination, gateway: r.gateway, device: device, onlink: r.onlink, proto: "98", source: r.source))
        case .deleteRoute(let r):
            guard let i = observed.routes.firstIndex(where: { $0.destination == r.destination && $0.isOwned }) else { throw Refused(description: "delete of missing route \(r.destination)") }
            observed.routes.remove(at: i)
        case .replaceNeighbour(let address, let mac, let device):
            guard observed.links[device] != nil else { throw Refused(description: "neighbour on missing \(device)") }
            observed.neighbours.removeAll { $0.address == address && $0.device == device }
            observed.neighbours.append(ObservedNeighbour(address: address, mac: mac, device: device, permanent: true))
        case .deleteNeighbour(let address, let device):
            guard let i = observed.neighbours.firstIndex(where: { $0.address == address && $0.device == device }) else { throw Refused(description: "delete of missing neighbour") }
            observed.neighbours.remove(at: i)
        case .flushNeighbour(let address, let device):
            observed.neighbours.removeAll { $0.address == address && $0.device == device }
        case .replaceFDB(let e):
            guard observed.links[e.device] != nil else { throw Refused(description: "fdb on missing \(e.device)") }
            observed.fdb.removeAll { $0.mac == e.mac && $0.device == e.device }
            observed.fdb.append(e)
        case .deleteFDB(let e):
            guard let i = observed.fdb.firstIndex(of: e) else { throw Refused(description: "delete of missing fdb entry") }
            observed.fdb.remove(at: i)
        case .setSysctl(let key, let value):
            if key == "net.ipv4.ip_forward" { observed.ipForwarding = value == "1" }
            if key == "net.bridge.bridge-nf-call-iptables" { observed.bridgeNetfilter = value == "1" }
        case .configureContainer(let c):
            guard containerSides[c.namespace] != nil else { throw Refused(description: "no veth in \(c.namespace)") }
            containerSides[c.namespace] = c
        case .setContainerMTU(let ns, let mtu):
            guard containerSides[ns] != nil else { throw Refused(description: "no veth in \(ns)") }
            containerSides[ns]!.mtu = mtu
        case .nftTransaction(let t):
            let bridge = t.commands.filter { $0.split(separator: " ").dropFirst(2).first == "bridge" }
            try nft.apply(NFTTransaction(commands: t.commands.filter { $0.split(separator: " ").dropFirst(2).first != "bridge" }))
            try bridgeNFT.apply(NFTTransaction(commands: bridge))
        }
    }

    private mutating func create(_ link: ObservedLink) throws {
        guard observed.links[link.name] == nil else { throw Refused(description: "link \(link.name) exists") }
        observed.links[link.name] = link
    }

    private func deviceReaching(_ gateway: IPv4Address?) throws -> String {
        guard let gateway, let link = observed.links.values.first(where: { $0.addresses.contains { $0.prefix < 32 && $0.network.contains(gateway) } })
        else { throw Refused(description: "no device reaches \(gateway.map(\.description) ?? "-")") }
        return link.name
    }
}
