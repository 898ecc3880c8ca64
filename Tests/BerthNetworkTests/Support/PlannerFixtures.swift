import BerthCore
@testable import BerthNetwork

/// Nodes, peers, containers and a bare node namespace for the planner's tests.
enum PlannerFixtures {
    static let cluster = CIDR("198.19.0.0/17")!

    static func node(_ backend: Backend = .hostGW, subnet: String = "198.19.1.0/24") -> NodeNetworkConfig {
        NodeNetworkConfig(name: "node1", namespace: "bt00-n1", underlayAddress: IPv4Address("198.18.0.11")!,
                          subnet: CIDR(subnet)!, clusterCIDRs: [cluster], backend: backend)
    }

    static func peer(_ i: Int) -> PeerNode {
        PeerNode(name: "node\(i)", underlayAddress: IPv4Address(0xc612_0000 + UInt32(10 + i)), subnet: CIDR("198.19.\(i).0/24")!)
    }

    static func container(_ n: Int, ports: [PublishedPort] = []) -> ContainerNetwork {
        ContainerNetwork(id: "ctr-\(n)", namespace: "bt00-c\(n)", address: IPv4Address(0xc613_0100 + UInt32(10 + n)), prefix: 24, ports: ports)
    }

    /// A node namespace with only its underlay NIC (plus a foreign route and link Berth must leave alone).
    static func bareNode(namespaces: Set<String> = Set((0..<20).map { "bt00-c\($0)" })) -> HostNetworkObserved {
        HostNetworkObserved(
            links: [
                ObservedLink(name: "lo", kind: "", mtu: 65536),
                ObservedLink(name: "eth0", kind: "veth", mtu: 1500, addresses: [InterfaceAddress(IPv4Address("198.18.0.11")!, prefix: 24)]),
                ObservedLink(name: "docker0", kind: "bridge", mtu: 1500),
            ],
            routes: [
                ObservedRoute(destination: CIDR("198.18.0.0/24")!, gateway: nil, device: "eth0", onlink: false, proto: "kernel"),
                ObservedRoute(destination: CIDR("0.0.0.0/0")!, gateway: IPv4Address("198.18.0.1"), device: "eth0", onlink: false, proto: "boot"),
            ],
            namespaces: namespaces)
    }

    /// The desired state applied to `observed` by the model kernel.
    static func converge(_ desired: HostNetworkDesired, from observed: HostNetworkObserved) throws -> HostKernelModel {
        var kernel = HostKernelModel(observed: observed)
        try kernel.apply(try HostNetworkPlanner.plan(desired: desired, observed: observed))
        return kernel
    }
}
