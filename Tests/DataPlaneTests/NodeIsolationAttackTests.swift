import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// A hostile container, and a hostile host beside the nodes, against the node network
/// (issue 18, "The network"), with the real agents: each attack asserts its specific refusal
/// (no packet on the victim's interface, a refused connection, an unchanged neighbour entry)
/// beside the allowed path that still works.
@Suite(.requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "python3", "conntrack"), .serialized)
struct NodeIsolationAttackTests {
    typealias P = PacketTools

    static func sleeper(_ cluster: LabCluster, _ name: String, on node: NetworkLab.Node) async throws -> Container {
        try await cluster.running(try await cluster.run(name, on: node, command: [LabWeb.busybox, "sleep", "3600"]).id)
    }

    /// db admits only api (UDP 5353). An attacker beside db sends with api's address as its
    /// source: dropped at its own bridge port; api's own datagrams arrive.
    @Test func aForgedSourceDoesNotPassAPolicyThatAdmitsIt() async throws {
        try await LabCluster.with(nodes: 2) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let onlyAPI = [IngressRule(from: [.service("api")], ports: [IngressRule.Port(port: 5353, protocol: .udp)])]
            let db = try #require(try await cluster.deploy("db", try LabCluster.webService(replicas: 1, on: [n1], ingress: onlyAPI)).first)
            let api = try #require(try await cluster.deploy("api", try LabCluster.webService(replicas: 1, on: [n2])).first)
            let attacker = try await Self.sleeper(cluster, "attacker", on: n1)
            let (dbIP, apiIP) = (try #require(db.ip), try #require(api.ip))
            // The policy is in place: api's datagrams get through (the allowed path), then the forgery.
            let sniffer = try await P.sniff(cluster, in: cluster.namespace(db), name: "db")
            try await eventually("api's datagrams reach db", timeout: .seconds(20)) {
                try await P.send(cluster, from: cluster.namespace(api), P.udpSender, ["-", dbIP, "5353", "MARK-real", "1"])
                return sniffer.seen.contains("MARK-real")
            }
            try await P.send(cluster, from: cluster.namespace(attacker), P.udpSender, [apiIP, dbIP, "5353", "MARK-forged", "3"])
            try await P.send(cluster, from: cluster.namespace(api), P.udpSender, ["-", dbIP, "5353", "MARK-after", "3"])
            try await eventually("api's later datagrams reach db", timeout: .seconds(10)) { sniffer.seen.contains("MARK-after") }
            cluster.lab.kill(sniffer.pid)
            #expect(!sniffer.seen.contains("MARK-forged"), "a datagram forged with api's source reached db: \(sniffer.seen)")
            // The attacker's own traffic, from its own address, still flows (to api, which has no rules).
            #expect(await cluster.http(from: cluster.namespace(attacker), apiIP) == api.id)
        }
    }

    /// A gratuitous ARP claiming a neighbour's address (and the gateway's) changes neither the
    /// node's nor a neighbour container's entry: it never leaves the attacker's port, while the
    /// victim's own announcement does.
    @Test func anARPClaimOnANeighboursAddressIsDropped() async throws {
        try await LabCluster.with(nodes: 1) { cluster in
            let n1 = cluster.lab.nodes[0]
            let victim = try await Self.sleeper(cluster, "victim", on: n1)
            let neighbour = try await Self.sleeper(cluster, "neighbour", on: n1)
            let attacker = try await Self.sleeper(cluster, "attacker", on: n1)
            let (victimIP, gateway) = (try #require(victim.ip), try await Self.gateway(cluster, n1))
            let (victimMAC, attackerMAC) = (try P.mac(cluster, cluster.namespace(victim)), try P.mac(cluster, cluster.namespace(attacker)))
            // Entries for the victim on the node and in the neighbour, and for the gateway.
            for namespace in [n1.namespace, cluster.namespace(neighbour)] {
                _ = try await cluster.lab.runDetached(namespace, ["timeout", "5", LabWeb.busybox, "ping", "-c", "1", "-W", "2", victimIP])
            }
            _ = try await cluster.lab.runDetached(cluster.namespace(neighbour), ["timeout", "5", LabWeb.busybox, "ping", "-c", "1", "-W", "2", gateway])
            let before = (node: P.neighbour(cluster, n1.namespace, victimIP, device: "berth0"),
                          neighbour: P.neighbour(cluster, cluster.namespace(neighbour), victimIP, device: "eth0"),
                          gateway: P.neighbour(cluster, cluster.namespace(neighbour), gateway, device: "eth0"))
            #expect(before.node == victimMAC && before.neighbour == victimMAC && before.gateway != nil, "\(before)")

            let sniffer = try await P.sniff(cluster, in: cluster.namespace(neighbour), mode: "arp", arg: victimIP, name: "arp")
            try await P.send(cluster, from: cluster.namespace(attacker), P.arpSender, ["eth0", victimIP, attackerMAC])
            try await P.send(cluster, from: cluster.namespace(attacker), P.arpSender, ["eth0", gateway, attackerMAC])
            try await P.send(cluster, from: cluster.namespace(victim), P.arpSender, ["eth0", victimIP, victimMAC])
            try await eventually("the victim's own announcement reaches the neighbour", timeout: .seconds(10)) { sniffer.seen.contains("arp \(victimMAC)") }
            cluster.lab.kill(sniffer.pid)
            #expect(!sniffer.seen.contains("arp \(attackerMAC)"), "the forged claim reached the neighbour: \(sniffer.seen)")
            #expect(P.neighbour(cluster, n1.namespace, victimIP, device: "berth0") == victimMAC, "the node's entry for the victim")
            #expect(P.neighbour(cluster, cluster.namespace(neighbour), victimIP, device: "eth0") == victimMAC, "the neighbour's entry for the victim")
            #expect(P.neighbour(cluster, cluster.namespace(neighbour), gateway, device: "eth0") == before.gateway, "the neighbour's entry for the gateway")
            let ping = try await cluster.lab.runDetached(cluster.namespace(neighbour), ["timeout", "5", LabWeb.busybox, "ping", "-c", "1", "-W", "2", victimIP])
            #expect(ping.status == 0, "the neighbour still reaches the victim")
        }
    }

    /// A container reaches nothing of its node (a listener on the underlay address, the
    /// gateway, 169.254.169.254) nor of another node, except the DNS forwarder and the port
    /// `--container-to-node-allow` names; the node itself reaches its listener.
    @Test func aContainerReachesOnlyTheDNSForwarderAndAllowedPortsOfNodes() async throws {
        try await LabCluster.with(nodes: 2, agentArguments: ["--container-to-node-allow", "tcp/2223"]) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            try cluster.lab.ip(n1.namespace, ["addr", "add", "169.254.169.254/32", "dev", "lo"])
            for node in [n1, n2] {
                for port in ["2222", "2223"] { try cluster.lab.spawn(node.namespace, [try P.python, "-c", P.listener, "0.0.0.0", port]) }
            }
            try cluster.lab.spawn(n1.namespace, [try P.python, "-c", P.listener, "169.254.169.254", "80"])
            let container = try await Self.sleeper(cluster, "prober", on: n1)
            let (from, gateway) = (cluster.namespace(container), try await Self.gateway(cluster, n1))
            func connect(_ namespace: String, _ address: String, _ port: Int) async throws -> HTTPBatch.Outcome? {
                try await HTTPBatch.get(cluster.lab, from: namespace, address, port: port, count: 1, timeout: 3).first
            }
            try await eventually("the node's listeners answer the node", timeout: .seconds(20)) {
                let underlay = try await connect(n1.namespace, "\(n1.address)", 2222)?.body
                let metadata = try await connect(n1.namespace, "169.254.169.254", 80)?.body
                return underlay == "hello" && metadata == "hello"
            }
            for (address, port) in [("\(n1.address)", 2222), (gateway, 2222), ("169.254.169.254", 80), ("\(n2.address)", 2222)] {
                let outcome = try await connect(from, address, port)
                #expect(outcome?.result == .refused, "container → \(address):\(port): \(outcome.map(\.description) ?? "nothing")")
            }
            for address in ["\(n1.address)", gateway, "\(n2.address)"] {
                let outcome = try await connect(from, address, 2223)
                #expect(outcome?.body == "hello", "container → \(address):2223 (allowed): \(outcome.map(\.description) ?? "nothing")")
            }
            let dns = try await cluster.lab.runDetached(from, [try P.python, "-c", P.dnsQuery, gateway, "nothing.service.berth."])
            #expect(String(decoding: dns.stdout, as: UTF8.self).hasPrefix("rcode"), "the DNS forwarder answers: \(String(decoding: dns.stdout, as: UTF8.self))")
        }
    }

    /// With VXLAN, a packet encapsulated by a host outside the cluster (the lab's router, on the
    /// nodes' segment) is not delivered; a peer's container's datagram is.
    @Test func aVXLANPacketFromOutsideTheClusterIsNotDelivered() async throws {
        try await LabCluster.with(nodes: 2, backend: "vxlan") { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let target = try await Self.sleeper(cluster, "target", on: n1)
            let peer = try await Self.sleeper(cluster, "peer", on: n2)
            let (targetIP, peerIP) = (try #require(target.ip), try #require(peer.ip))
            let device = try Self.vxlanDevice(cluster, n1)
            let sniffer = try await P.sniff(cluster, in: cluster.namespace(target), name: "vxlan")
            try await eventually("the peer's datagrams reach the target", timeout: .seconds(20)) {
                try await P.send(cluster, from: cluster.namespace(peer), P.udpSender, ["-", targetIP, "9999", "MARK-peer", "1"])
                return sniffer.seen.contains("MARK-peer")
            }
            try await P.send(cluster, from: cluster.lab.outsideNamespace, P.vxlanSender,
                             ["\(n1.address)", "8472", "\(device.vni)", device.mac, peerIP, targetIP, "MARK-injected"])
            try await P.send(cluster, from: cluster.namespace(peer), P.udpSender, ["-", targetIP, "9999", "MARK-after", "3"])
            try await eventually("the peer's later datagrams reach the target", timeout: .seconds(10)) { sniffer.seen.contains("MARK-after") }
            cluster.lab.kill(sniffer.pid)
            #expect(!sniffer.seen.contains("MARK-injected"), "an outside VXLAN packet was delivered: \(sniffer.seen)")
        }
    }

    /// With host-gw, an outside host that routes a container's subnet through its node is
    /// dropped by the node's forward filter; a peer node's container gets through.
    @Test func anOutsideHostRoutingToAContainerIsDroppedWithHostGW() async throws {
        try await LabCluster.with(nodes: 2, backend: "host-gw") { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let target = try await Self.sleeper(cluster, "target", on: n1)
            let peer = try await Self.sleeper(cluster, "peer", on: n2)
            let targetIP = try #require(target.ip)
            try cluster.lab.ip(cluster.lab.outsideNamespace, ["route", "add", try await cluster.subnet(of: n1), "via", "\(n1.address)"])
            let sniffer = try await P.sniff(cluster, in: cluster.namespace(target), name: "hostgw")
            try await eventually("the peer's datagrams reach the target", timeout: .seconds(20)) {
                try await P.send(cluster, from: cluster.namespace(peer), P.udpSender, ["-", targetIP, "9999", "MARK-peer", "1"])
                return sniffer.seen.contains("MARK-peer")
            }
            try await P.send(cluster, from: cluster.lab.outsideNamespace, P.udpSender, ["-", targetIP, "9999", "MARK-outside", "3"])
            try await P.send(cluster, from: cluster.namespace(peer), P.udpSender, ["-", targetIP, "9999", "MARK-after", "3"])
            try await eventually("the peer's later datagrams reach the target", timeout: .seconds(10)) { sniffer.seen.contains("MARK-after") }
            cluster.lab.kill(sniffer.pid)
            #expect(!sniffer.seen.contains("MARK-outside"), "the outside host reached a container: \(sniffer.seen)")
            // The container still reaches outside (masqueraded) and is reached on a published port's path.
            try await cluster.serveOutside(port: 8081)
            #expect(await cluster.peer(from: cluster.namespace(target), "\(NetworkLab.outsideServer)", port: 8081) == "\(n1.address)")
        }
    }

    /// A client keeps sending UDP to a container on one socket; the container goes, and the
    /// next container given its address belongs to a service admitting only `friend`. The old
    /// flow's conntrack entry went with the first container, so the client's datagrams meet the
    /// new owner's policy (and are refused), while friend's arrive.
    @Test func aReleasedAddressesOldUDPFlowDoesNotReachItsNextOwner() async throws {
        try await LabCluster.with(nodes: 2) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let echo = "import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('0.0.0.0',7000))\nwhile True:\n    d,a=s.recvfrom(2048); s.sendto(d,a)\n"
            let first = try await cluster.running(try await cluster.run("first", on: n1, command: [try P.python, "-c", echo]).id)
            let client = try await Self.sleeper(cluster, "client", on: n2)
            let address = try #require(first.ip)
            // The client's flow, one socket, a datagram every 50 ms for two minutes.
            let flow = "import socket,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('0.0.0.0',41000))\nfor i in range(2400):\n    s.sendto(b'MARK-old-flow\\n',('\(address)',7000)); time.sleep(0.05)\n"
            try cluster.lab.spawn(cluster.namespace(client), [try P.python, "-c", flow])
            try await eventually("the flow is established (the first container answered)", timeout: .seconds(20)) {
                let entries = (try? cluster.lab.run(n1.namespace, ["conntrack", "-L", "-p", "udp", "--orig-dst", address, "--orig-port-dst", "7000"]))?.stdout ?? Data()
                return String(decoding: entries, as: UTF8.self).contains("ASSURED")
            }
            _ = try await cluster.client.send("DELETE", "/v1/containers/\(first.id)")
            try await eventually("the first container is gone from its node", timeout: .seconds(30)) { cluster.traces(of: first.id, on: n1).isEmpty }
            _ = try await cluster.when(first.id, "is deleted on the server") { $0 == nil }

            let onlyFriend = [IngressRule(from: [.service("friend")], ports: [IngressRule.Port(port: 7000, protocol: .udp)])]
            let next = try #require(try await cluster.deploy("secure", try LabCluster.webService(replicas: 1, on: [n1], ingress: onlyFriend)).first)
            try #require(next.ip == address, "the next container got \(next.ip ?? "none"), not the released \(address)")
            let friend = try #require(try await cluster.deploy("friend", try LabCluster.webService(replicas: 1, on: [n2])).first)
            // Its policy in place (until then a new container is open to anyone, a gap the agent's
            // loops close), so what still reaches it can only be an old flow's entry.
            try await eventually("the next owner's policy is programmed", timeout: .seconds(20)) {
                cluster.berthTable(on: n1).split(separator: "\n").contains { $0.contains("\(address) : goto pol-") }
            }
            let sniffer = try await P.sniff(cluster, in: cluster.namespace(next), name: "reuse")
            try await eventually("friend's datagrams reach the next owner", timeout: .seconds(20)) {
                try await P.send(cluster, from: cluster.namespace(friend), P.udpSender, ["-", address, "7000", "MARK-friend", "1"])
                return sniffer.seen.contains("MARK-friend")
            }
            // The old flow sends every 50 ms: a second of friend's traffic later, it had its chances.
            for _ in 0..<4 { try await P.send(cluster, from: cluster.namespace(friend), P.udpSender, ["-", address, "7000", "MARK-friend-later", "5"]) }
            try await eventually("friend's later datagrams reach the next owner", timeout: .seconds(10)) { sniffer.seen.contains("MARK-friend-later") }
            cluster.lab.kill(sniffer.pid)
            let entries = String(decoding: (try? cluster.lab.run(n1.namespace, ["conntrack", "-L", "-f", "ipv4", "-d", address]))?.stdout ?? Data(), as: UTF8.self)
            #expect(!sniffer.seen.contains("MARK-old-flow"), "the old flow reached the address's next owner: \(sniffer.seen); conntrack: \(entries); policy: \(cluster.berthTable(on: n1).split(separator: "\n").filter { $0.contains("pol-") || $0.contains(address) })")
        }
    }

    /// A stranger hammers, from before the container exists, every address a new container of
    /// node 1 can get; the container, of a service admitting only `friend` (UDP 7000), starts
    /// with its policy already in place (issue 18, "policy fails closed"): the node never sends a
    /// stranger's datagram to it (nor its own socket receives one), while friend's arrive.
    @Test func aPolicedContainerIsNeverReachableFromAStrangerOnceItRuns() async throws {
        try await LabCluster.with(nodes: 2) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let stranger = try await Self.sleeper(cluster, "stranger", on: n2)
            let friend = try #require(try await cluster.deploy("friend", try LabCluster.webService(replicas: 1, on: [n2])).first)
            guard let subnet = CIDR(try await cluster.subnet(of: n1)) else { throw LabError("node 1's subnet") }
            let addresses = (2...17).map { "\(IPv4Address(subnet.network.value + UInt32($0)))" }
            let hammer = "import socket,sys,time\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\nwhile True:\n    for h in sys.argv[2:]:\n        try: s.sendto(sys.argv[1].encode()+b'\\n',(h,7000))\n        except OSError: pass\n    time.sleep(0.01)\n"
            // Whatever node 1 delivers to its containers leaves through its bridge: watched from
            // before the first datagram (no address of node 1 has had an owner yet, so nothing
            // to an address without one is sent, only ARP for it).
            let bridge = try await P.sniff(cluster, in: n1.namespace, iface: "berth0", name: "bridge")
            try cluster.lab.spawn(cluster.namespace(stranger), [try P.python, "-c", hammer, "MARK-stranger"] + addresses)
            try cluster.lab.spawn(cluster.namespace(friend), [try P.python, "-c", hammer, "MARK-friend"] + addresses)
            // The witness is the container's command: a UDP socket on 7000, each new marker to stdout.
            let witness = "import socket,sys\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM); s.bind(('0.0.0.0',7000))\nseen=set()\nwhile True:\n    t=s.recv(2048).split(b'\\n')[0]\n    if t not in seen:\n        seen.add(t); open('/tmp/witness-'+sys.argv[1],'a').write(t.decode(errors='replace')+'\\n')\n"
            var spec = try LabCluster.webService(replicas: 1, on: [n1], port: 7000,
                                                 ingress: [IngressRule(from: [.service("friend")], ports: [IngressRule.Port(port: 7000, protocol: .udp)])])
            spec.template.command = [try P.python, "-c", witness, "policed"]
            let policed = try #require(try await cluster.deploy("policed", spec).first)
            let seen = "/proc/\(try cluster.process(of: policed))/root/tmp/witness-policed"
            func witnessed() -> [String] { ((try? String(contentsOfFile: seen, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init) }
            try await eventually("friend's datagrams reach the policed container", timeout: .seconds(20)) { witnessed().contains("MARK-friend") }
            // Both hammers send every 10 ms: by friend's later datagrams, the stranger sent hundreds.
            for _ in 0..<4 { try await P.send(cluster, from: cluster.namespace(friend), P.udpSender, ["-", try #require(policed.ip), "7000", "MARK-friend-later", "5"]) }
            try await eventually("friend's later datagrams reach it", timeout: .seconds(10)) { witnessed().contains("MARK-friend-later") }
            cluster.lab.kill(bridge.pid)
            #expect(!witnessed().contains("MARK-stranger"), "a stranger reached the policed container: \(witnessed())")
            #expect(!bridge.seen.contains("MARK-stranger") && bridge.seen.contains("MARK-friend"), "node 1 delivered: \(bridge.seen)")
            // The stranger itself is not cut off: it reaches friend, which has no rules.
            #expect(await cluster.http(from: cluster.namespace(stranger), try #require(friend.ip)) == friend.id)
        }
    }

    /// The node's gateway address (the bridge's).
    static func gateway(_ cluster: LabCluster, _ node: NetworkLab.Node) async throws -> String {
        let subnet = try await cluster.subnet(of: node)
        guard let cidr = CIDR(subnet) else { throw LabError("subnet \(subnet)") }
        return "\(IPv4Address(cidr.network.value + 1))"
    }

    /// The node's VXLAN device: its VNI (from its name) and MAC.
    static func vxlanDevice(_ cluster: LabCluster, _ node: NetworkLab.Node) throws -> (vni: UInt32, mac: String) {
        let text = String(decoding: try cluster.lab.runner.check(["ip", "-n", node.namespace, "-o", "link", "show", "type", "vxlan"]).stdout, as: UTF8.self)
        guard let name = text.split(separator: ":").dropFirst().first?.trimmingCharacters(in: .whitespaces),
              name.hasPrefix("berthvx"), let vni = UInt32(name.dropFirst(7)) else { throw LabError("no VXLAN device on \(node.name): \(text)") }
        return (vni, try PacketTools.mac(cluster, node.namespace, name))
    }
}
