import BerthCore
import BerthLab
import Foundation

/// The node network Berth builds, made by hand in a lab of its own: per node a bridge holding
/// the subnet's gateway, containers as network namespaces on veths into it, and either a route
/// per peer subnet through the peer's underlay address (host-gw) or a VXLAN device with the
/// peer's route, permanent neighbour and FDB entry written by hand (vxlan), with the same MTUs,
/// VNI port and flags as Berth's. No nftables table, no conntrack rule, no Berth process: the
/// floor `berth-bench dataplane --only floor` measures Berth's data path against.
///
/// Subnets 198.19.240+i.0/24 for node i (inside the lab's 198.18.0.0/15, apart from the
/// clusters' 198.19.0.0/17 and services' 198.19.128.0/20). Everything lives in the lab's
/// namespaces and goes with its teardown.
struct HandWiredNetwork {
    let lab: NetworkLab
    let backend: String

    static let vni = 42
    static let vxlanPort = 8472
    /// Berth's MTUs on the lab's 1,500-byte underlay (`Backend.mtu(underlayMTU:)`).
    var mtu: Int { backend == "vxlan" ? 1500 - 50 : 1500 }

    func subnet(_ node: NetworkLab.Node) -> String { "198.19.\(239 + node.index)" }

    /// The VTEP MAC of node i, fixed and local (0a:58:…), as Berth derives one per node.
    func vtepMAC(_ node: NetworkLab.Node) -> String { String(format: "0a:58:c6:13:%02x:00", 239 + node.index) }

    /// Wires every node of the lab: bridge, forwarding, and the backend's peer entries.
    func wire() throws {
        for node in lab.nodes {
            let net = subnet(node)
            try lab.exec(node.namespace, ["sysctl", "-qw", "net.ipv4.ip_forward=1"])
            var lines = ["link add hf0 mtu \(mtu) type bridge", "addr add \(net).1/24 dev hf0", "link set hf0 up"]
            if backend == "vxlan" {
                lines += [
                    "link add hfvx address \(vtepMAC(node)) mtu \(mtu) type vxlan id \(Self.vni) dstport \(Self.vxlanPort) local \(node.address) dev eth0 nolearning",
                    "addr add \(net).0/32 dev hfvx", "link set hfvx up",
                ]
            }
            for peer in lab.nodes where peer != node {
                let peerNet = subnet(peer)
                if backend == "vxlan" {
                    lines += ["route add \(peerNet).0/24 via \(peerNet).0 dev hfvx onlink",
                              "neigh replace \(peerNet).0 lladdr \(vtepMAC(peer)) dev hfvx nud permanent"]
                } else {
                    lines.append("route add \(peerNet).0/24 via \(peer.address)")
                }
            }
            try lab.batch(node.namespace, lines)
            if backend == "vxlan" {
                for peer in lab.nodes where peer != node {
                    try lab.runner.check(["bridge", "-n", node.namespace, "fdb", "append", vtepMAC(peer), "dev", "hfvx", "dst", "\(peer.address)"])
                }
            }
        }
    }

    /// A "container" on `node`: a namespace on a veth into the bridge at host `host` of the
    /// node's subnet; returns its namespace and address.
    func container(_ name: String, on node: NetworkLab.Node, host: Int) throws -> (namespace: String, ip: String) {
        let namespace = lab.containerNamespace("n\(node.index)-hw-\(name)")
        let ip = "\(subnet(node)).\(host)"
        try lab.ip(nil, ["netns", "add", namespace])
        try lab.batch(node.namespace, ["link add hw\(host) mtu \(mtu) type veth peer name eth0 mtu \(mtu) netns \(namespace)",
                                       "link set hw\(host) master hf0 up"])
        try lab.batch(namespace, ["link set lo up", "addr add \(ip)/24 dev eth0", "link set eth0 up", "route add default via \(subnet(node)).1"])
        return (namespace, ip)
    }
}
