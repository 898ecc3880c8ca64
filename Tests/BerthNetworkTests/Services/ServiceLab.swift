import BerthCore
import BerthLab
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Nodes of the network lab with Berth's node network (`HostNetwork`, host-gw) and a
/// `ServiceProxy` each, and containers answering their name: node i has subnet 198.19.i.0/24,
/// container `host` of it is 198.19.i.host.
final class ServiceLab {
    let lab: NetworkLab
    private(set) var networks: [HostNetwork] = []
    private(set) var proxies: [ServiceProxy] = []
    private(set) var configs: [NodeNetworkConfig] = []
    private var attached: [Int: [ContainerNetwork]] = [:]
    static let cluster = CIDR("198.19.0.0/17")!

    init(nodes: Int) throws {
        lab = try NetworkLab(nodes: nodes)
        do {
            for node in lab.nodes {
                let config = NodeNetworkConfig(name: "node\(node.index)", namespace: node.namespace, underlayAddress: node.address,
                                               subnet: CIDR("198.19.\(node.index).0/24")!, clusterCIDRs: [Self.cluster], backend: .hostGW)
                configs.append(config)
                networks.append(HostNetwork(node: config))
                proxies.append(ServiceProxy(namespace: node.namespace))
                try Self.ensureBridgeNetfilter(lab, node.namespace)
            }
            for (i, network) in networks.enumerated() {
                network.setPeers(configs.enumerated().filter { $0.offset != i }.map { PeerNode(name: $0.element.name, underlayAddress: $0.element.underlayAddress, subnet: $0.element.subnet) })
                try network.sync()
            }
        } catch {
            _ = teardown()
            throw error
        }
    }

    /// Bridged traffic must reach the `ip` family hooks (policy between two containers of one
    /// node is enforced on bridged packets). br_netfilter is built into this kernel and the
    /// setting is per namespace; it is on by default, and made so if not.
    static func ensureBridgeNetfilter(_ lab: NetworkLab, _ namespace: String) throws {
        let key = "net.bridge.bridge-nf-call-iptables"
        func read() throws -> String {
            String(decoding: try lab.exec(namespace, ["sysctl", "-n", key]).stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        }
        if try read() != "1" { try lab.exec(namespace, ["sysctl", "-qw", "\(key)=1"]) }
        let value = try read()
        try #require(value == "1", "\(key) is \(value) in \(namespace)")
    }

    func namespace(ofNode i: Int) -> String { lab.nodes[i].namespace }
    func gateway(ofNode i: Int) -> IPv4Address { configs[i].gateway }
    func address(_ host: UInt32, onNode i: Int) -> IPv4Address { IPv4Address(configs[i].subnet.network.value + host) }

    /// Attaches container `name` at 198.19.(i+1).host and starts a server called `name` on each of `ports`.
    @discardableResult
    func container(_ name: String, host: UInt32, onNode i: Int, ports: [Int] = [8080]) throws -> ContainerNetwork {
        let c = ContainerNetwork(id: name, namespace: lab.containerNamespace(name), address: address(host, onNode: i), prefix: 24)
        try networks[i].attach(c)
        attached[i, default: []].append(c)
        // A container reaching itself through a VIP: br_netfilter bridges a DNAT whose target is
        // on the same bridge, and a bridge sends a frame back out the port it came from only
        // with hairpin on (kubelet's hairpin-veth). HostNetwork.attach does not set it (yet).
        try lab.ip(namespace(ofNode: i), ["link", "set", c.hostLinkName, "type", "bridge_slave", "hairpin", "on"])
        for port in ports { try ServiceProbe.serve(lab, name, in: c.namespace, at: c.address, port: port) }
        return c
    }

    func connect(from namespace: String, to address: IPv4Address, port: Int, count: Int = 1, timeout: Double = 2, source: IPv4Address? = nil) -> [ServiceProbe.Outcome] {
        ServiceProbe.connect(lab, from: namespace, to: address, port: port, count: count, timeout: timeout, source: source)
    }

    /// The service objects in node i's table, read back through `nft -j`.
    func ownedTable(ofNode i: Int) throws -> NFTTable? {
        ServiceRules.ownedPart(of: try networks[i].executor.readTable(ServiceRules.tableName))
    }

    /// Removes the service rules (checking nothing of them is left), the node networks and the
    /// lab; returns what is left anywhere.
    func teardown() -> [String] {
        var left: [String] = []
        for (i, proxy) in proxies.enumerated() {
            do {
                try proxy.teardown()
                if let owned = try ownedTable(ofNode: i), !owned.chains.isEmpty || !owned.sets.isEmpty {
                    left.append("service objects on node \(i + 1): \(owned.chains.keys.sorted() + owned.sets.keys.sorted())")
                }
            } catch { left.append("proxy teardown on node \(i + 1): \(error)") }
        }
        for (i, network) in networks.enumerated() {
            for c in attached[i] ?? [] { try? network.detach(containerID: c.id) }
            try? network.teardown()
        }
        return left + lab.teardown()
    }

    /// Runs `body` with a lab of `nodes` nodes, and tears it down whatever happens, expecting
    /// nothing left behind (namespaces, root links, root nft tables).
    static func with(nodes: Int, _ body: (ServiceLab) throws -> Void) throws {
        try RequiredTools.require()
        let rootTables = try? ToolRunner().run(["nft", "list", "tables"]).stdout
        let lab = try ServiceLab(nodes: nodes)
        defer {
            let left = lab.teardown()
            #expect(left.isEmpty, "left behind: \(left)")
            #expect((try? ToolRunner().run(["nft", "list", "tables"]).stdout) == rootTables, "the root namespace's nft tables changed")
        }
        try body(lab)
    }
}
