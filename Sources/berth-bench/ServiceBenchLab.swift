import BerthCore
import BerthLab
import BerthNetwork
import Foundation

/// The lab `berth-bench services` measures in: a `NetworkLab` whose nodes get Berth's node
/// network (`HostNetwork`, host-gw) and a `ServiceProxy` each, as an agent would give them,
/// and containers attached to them. Addresses keep to the lab's ranges: node i has subnet
/// 198.19.i.0/24 of the cluster network 198.19.0.0/17, container `host` of it is 198.19.i.host.
///
/// The proxies run in this process, so what they cost (RSS, CPU, the nft children) is this
/// process's. `teardown()` removes the rules, the node networks and the lab; an interrupt
/// removes the lab's namespaces (and with them everything in them) through `NetworkLab`.
final class ServiceBenchLab {
    let lab: NetworkLab
    private(set) var networks: [HostNetwork] = []
    private(set) var proxies: [ServiceProxy] = []
    private var attached: [Int: [ContainerNetwork]] = [:]
    static let cluster = CIDR("198.19.0.0/17")!

    init(nodes: Int) throws {
        lab = try NetworkLab(nodes: nodes)
        do {
            var configs: [NodeNetworkConfig] = []
            for node in lab.nodes {
                let config = NodeNetworkConfig(name: node.name, namespace: node.namespace, underlayAddress: node.address,
                                               subnet: CIDR("198.19.\(node.index).0/24")!, clusterCIDRs: [Self.cluster], backend: .hostGW)
                configs.append(config)
                networks.append(HostNetwork(node: config))
                proxies.append(ServiceProxy(namespace: node.namespace))
                try enableBridgeNetfilter(node.namespace)
            }
            for (i, network) in networks.enumerated() {
                network.setPeers(configs.enumerated().filter { $0.offset != i }.map {
                    PeerNode(name: $0.element.name, underlayAddress: $0.element.underlayAddress, subnet: $0.element.subnet)
                })
                try network.sync()
            }
        } catch {
            _ = teardown()
            throw error
        }
    }

    /// A reply from a VIP's target to a client on the same bridge is bridged, and is un-NATed
    /// only if bridged packets reach netfilter (as the agent's nodes have it).
    private func enableBridgeNetfilter(_ namespace: String) throws {
        let key = "net.bridge.bridge-nf-call-iptables"
        try lab.exec(namespace, ["sysctl", "-qw", "\(key)=1"])
        let value = String(decoding: try lab.exec(namespace, ["sysctl", "-n", key]).stdout, as: UTF8.self)
        guard value.trimmingCharacters(in: .whitespacesAndNewlines) == "1" else { throw BenchError("\(key) will not turn on in \(namespace)") }
    }

    func namespace(ofNode i: Int) -> String { lab.nodes[i].namespace }

    /// Attaches container `name` at 198.19.(i+1).host on node i, its bridge port in hairpin
    /// mode as the agent's containers' are.
    func container(_ name: String, host: UInt32, onNode i: Int) throws -> ContainerNetwork {
        let subnet = networks[i].desired.node.subnet
        let c = ContainerNetwork(id: name, namespace: lab.containerNamespace(name), address: IPv4Address(subnet.network.value + host), prefix: 24)
        try networks[i].attach(c)
        attached[i, default: []].append(c)
        try lab.ip(namespace(ofNode: i), ["link", "set", c.hostLinkName, "type", "bridge_slave", "hairpin", "on"])
        return c
    }

    /// Removes the service rules, the containers, the node networks and the lab; returns what
    /// is left anywhere (which should be nothing).
    func teardown() -> [String] {
        var left: [String] = []
        for (i, proxy) in proxies.enumerated() {
            do { try proxy.teardown() } catch { left.append("proxy teardown on node \(i + 1): \(error)") }
        }
        for (i, network) in networks.enumerated() {
            for c in attached[i] ?? [] { try? network.detach(containerID: c.id) }
            try? network.teardown()
        }
        return left + lab.teardown()
    }

    /// Runs `body` with a lab of `nodes` nodes and tears it down whatever happens; a lab that
    /// leaves something behind is an error.
    static func with<T>(nodes: Int, _ body: (ServiceBenchLab) async throws -> T) async throws -> T {
        let lab = try ServiceBenchLab(nodes: nodes)
        let result: T
        do { result = try await body(lab) } catch {
            _ = lab.teardown()
            throw error
        }
        let left = lab.teardown()
        if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
        return result
    }
}
