import BerthCore
import BerthLab
import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// The node network in real namespaces: both backends, containers on two and three nodes, a node
/// joining later, a peer leaving, masquerade, published ports and drift repair.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct LiveNetworkTests {
    static let cluster = CIDR("198.19.0.0/17")!

    struct Cluster {
        var lab: NetworkLab
        var networks: [HostNetwork] = []
        var configs: [NodeNetworkConfig] = []

        /// Node i gets subnet 198.19.i.0/24.
        mutating func addNode(backend: Backend, existing: NetworkLab.Node? = nil) throws -> Int {
            let node = try existing ?? lab.addNode()
            var config = NodeNetworkConfig(name: "node\(node.index)", namespace: node.namespace, underlayAddress: node.address,
                                           subnet: CIDR("198.19.\(node.index).0/24")!, clusterCIDRs: [LiveNetworkTests.cluster], backend: backend)
            // Containers reach other nodes' addresses only on allowed ports: the published port
            // the tests below reach on another node is one.
            config.nodeAccess = NodeAccess(allowed: [NodePort(.tcp, 18080)])
            configs.append(config)
            networks.append(HostNetwork(node: config))
            return networks.count - 1
        }

        /// Gives every node every other node as a peer, and syncs all.
        func meshAndSync() throws {
            for (i, network) in networks.enumerated() {
                network.setPeers(configs.enumerated().filter { $0.offset != i }.map { PeerNode(name: $0.element.name, underlayAddress: $0.element.underlayAddress, subnet: $0.element.subnet) })
                try network.sync()
            }
        }

        /// Attaches container `n` on node `i` at 198.19.i.(10+n) and starts a server in it on port 8080.
        func container(_ n: Int, onNode i: Int, ports: [PublishedPort] = []) throws -> ContainerNetwork {
            let config = configs[i]
            let c = ContainerNetwork(id: "c\(i)-\(n)", namespace: lab.containerNamespace("c\(i)x\(n)"),
                                     address: IPv4Address(config.subnet.network.value + UInt32(10 + n)), prefix: 24, ports: ports)
            try networks[i].attach(c)
            try TCPProbe.serve(lab, in: c.namespace, at: c.address, port: 8080)
            return c
        }
    }

    func withCluster(nodes: Int, backend: Backend, _ body: (inout Cluster) throws -> Void) throws {
        try RequiredTools.require()
        let lab = try NetworkLab(nodes: nodes)
        var cluster = Cluster(lab: lab)
        defer {
            for network in cluster.networks { try? network.teardown() }
            let left = lab.teardown()
            #expect(left.isEmpty, "left behind: \(left)")
        }
        for node in lab.nodes { _ = try cluster.addNode(backend: backend, existing: node) }
        try cluster.meshAndSync()
        try body(&cluster)
    }

    @Test(arguments: [Backend.hostGW, Backend.vxlan(vni: 42)])
    func containersTalkAcrossNodes(backend: Backend) throws {
        try withCluster(nodes: 2, backend: backend) { cluster in
            let lab = cluster.lab
            let a = try cluster.container(1, onNode: 0)
            let b = try cluster.container(2, onNode: 0, ports: [PublishedPort(.tcp, hostPort: 18080, containerPort: 8080)])
            let c = try cluster.container(1, onNode: 1)
            // Same node, and across nodes, by container IP: the server sees the real client address.
            #expect(TCPProbe.fetch(lab, from: a.namespace, b.address, 8080) == "\(a.address)")
            #expect(TCPProbe.fetch(lab, from: a.namespace, c.address, 8080) == "\(a.address)")
            #expect(TCPProbe.fetch(lab, from: c.namespace, b.address, 8080) == "\(c.address)")

            // Egress leaves as the node: the outside server sees 198.18.0.11, not 198.19.1.11.
            try TCPProbe.serve(lab, in: lab.outsideNamespace, at: NetworkLab.outsideServer, port: 9000)
            #expect(TCPProbe.fetch(lab, from: a.namespace, NetworkLab.outsideServer, 9000) == "\(lab.nodes[0].address)")
            #expect(TCPProbe.fetch(lab, from: c.namespace, NetworkLab.outsideServer, 9000) == "\(lab.nodes[1].address)")

            // A published port answers at the node's underlay address: from outside (prerouting
            // DNAT, the client's own address kept), from the node itself (output DNAT), and from a
            // container on another node (masqueraded there, since the node address is outside the cluster).
            let node1 = lab.nodes[0].address
            #expect(TCPProbe.fetch(lab, from: lab.outsideNamespace, node1, 18080) == "\(NetworkLab.outsideAddress)")
            #expect(TCPProbe.fetch(lab, from: lab.nodes[0].namespace, node1, 18080) != nil)
            #expect(TCPProbe.fetch(lab, from: c.namespace, node1, 18080) == "\(lab.nodes[1].address)")
            #expect(TCPProbe.fetch(lab, from: lab.outsideNamespace, node1, 18081) == nil)

            // A third node joins later: reachable once everyone has it as a peer.
            let third = try cluster.addNode(backend: backend)
            let d = try { () throws -> ContainerNetwork in try cluster.meshAndSync(); return try cluster.container(1, onNode: third) }()
            #expect(TCPProbe.fetch(lab, from: a.namespace, d.address, 8080) == "\(a.address)")
            #expect(TCPProbe.fetch(lab, from: d.namespace, c.address, 8080) == "\(d.address)")

            // A route deleted by hand comes back with the next sync.
            try lab.ip(lab.nodes[0].namespace, ["route", "del", "198.19.2.0/24"])
            #expect(TCPProbe.fetch(lab, from: a.namespace, c.address, 8080) == nil)
            let repair = try cluster.networks[0].sync()
            #expect(repair.actions.count == 1, "\(repair.actions)")
            #expect(TCPProbe.fetch(lab, from: a.namespace, c.address, 8080) == "\(a.address)")

            // Removing a peer removes its route (and, for VXLAN, its neighbour and FDB entry).
            cluster.networks[0].setPeers(cluster.desiredPeers(of: 0).filter { $0.name != "node3" })
            try cluster.networks[0].sync()
            let observed = try cluster.networks[0].executor.observe()
            #expect(!observed.ownedRoutes.contains { $0.destination == cluster.configs[third].subnet })
            #expect(!observed.neighbours.contains { $0.address == cluster.configs[third].subnet.network })
            #expect(!observed.fdb.contains { $0.destination == lab.nodes[third].address })
            #expect(TCPProbe.fetch(lab, from: a.namespace, d.address, 8080) == nil)
            #expect(try HostNetworkPlanner.plan(desired: cluster.networks[0].desired, observed: observed).isEmpty)

            try cluster.networks[0].detach(containerID: b.id)
            #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(b.namespace)"))
            #expect(TCPProbe.fetch(lab, from: lab.outsideNamespace, node1, 18080) == nil, "unpublished with the container")
            #expect(try cluster.networks[0].sync().actions.isEmpty, "detach leaves nothing for sync to do")
        }
    }

    /// VXLAN's outer UDP is not tracked on either node while the containers' own connection is
    /// (masquerade, VIPs and policy need that), and the raw chains read back without drift.
    @Test func vxlanUnderlayIsNotTracked() throws {
        try withCluster(nodes: 2, backend: .vxlan(vni: 42)) { cluster in
            let lab = cluster.lab
            let a = try cluster.container(1, onNode: 0)
            let c = try cluster.container(1, onNode: 1)
            #expect(TCPProbe.fetch(lab, from: a.namespace, c.address, 8080) == "\(a.address)")
            #expect(TCPProbe.fetch(lab, from: c.namespace, a.address, 8080) == "\(c.address)")
            for (i, node) in lab.nodes.enumerated() {
                let table = String(decoding: try lab.exec(node.namespace, ["cat", "/proc/net/nf_conntrack"]).stdout, as: UTF8.self)
                let lines = table.split(separator: "\n")
                #expect(!lines.contains { $0.contains("dport=\(Backend.defaultVXLANPort)") }, "node \(i) tracks the underlay: \(table)")
                #expect(lines.contains { $0.contains("src=\(a.address) dst=\(c.address)") && $0.contains("dport=8080") }, "node \(i): \(table)")
                #expect(try cluster.networks[i].executor.readTable(NodeFirewall.tableName)?.chains["raw-prerouting"] != nil)
                #expect(try cluster.networks[i].sync().actions.isEmpty, "no drift after a sync")
            }
        }
    }
}

extension LiveNetworkTests.Cluster {
    func desiredPeers(of i: Int) -> [PeerNode] { networks[i].desired.peers }
}

/// Input that cannot work is refused before anything changes in the namespace.
@Suite(.heavy, .serialized, .enabled(if: RequiredTools.available))
struct LiveBadInputTests {
    @Test func foreignBerth0IsAClearErrorAndNothingIsConfigured() throws {
        try RequiredTools.require()
        let lab = try NetworkLab(nodes: 1)
        defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
        let ns = lab.nodes[0].namespace
        try lab.ip(ns, ["link", "add", "berth0", "type", "veth", "peer", "name", "other0"])
        let network = HostNetwork(node: NodeNetworkConfig(name: "node1", namespace: ns, underlayAddress: lab.nodes[0].address,
                                                          subnet: CIDR("198.19.1.0/24")!, clusterCIDRs: [CIDR("198.19.0.0/17")!], backend: .vxlan(vni: 1)))
        #expect(throws: HostNetworkError.linkCollision(name: "berth0", kind: "veth", expected: "bridge")) { try network.sync() }
        let observed = try network.executor.observe()
        #expect(observed.firewall == nil)
        #expect(!observed.ipForwarding)
        #expect(observed.links["berth0"]?.kind == "veth")
        #expect(!observed.links.keys.contains(where: LinkNames.isVXLAN))

        let overlapping = HostNetwork(node: NodeNetworkConfig(name: "node1", namespace: ns, underlayAddress: lab.nodes[0].address,
                                                              subnet: CIDR("198.18.0.128/25")!, clusterCIDRs: [CIDR("198.18.0.0/16")!], backend: .hostGW))
        #expect(throws: HostNetworkError.self) { try overlapping.sync() }
        var again = try network.executor.observe()
        again.namespaces = observed.namespaces  // other tests come and go meanwhile
        #expect(again == observed)
        #expect(throws: HostNetworkError.notSynced) { try network.attach(ContainerNetwork(id: "x", namespace: lab.containerNamespace("x"), address: IPv4Address("198.19.1.5")!, prefix: 24)) }
    }
}
