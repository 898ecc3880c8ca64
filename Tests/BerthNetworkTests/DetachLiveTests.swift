import BerthCore
import BerthLab
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Detach in a real namespace: a failed nft apply leaves the container pending (in the desired
/// state, its namespace kept), an attach of its address is refused meanwhile, and the next sync
/// finishes it; the conntrack entries to and from the address go with it.
@Suite(.serialized, .enabled(if: RequiredTools.available))
struct DetachLiveTests {
    @Test func aFailedDetachIsRetriedAndTheAddressesFlowsAreForgotten() throws {
        try RequiredTools.require(["ip", "nft", "conntrack"])
        let lab = try NetworkLab(nodes: 1)
        defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
        let node = lab.nodes[0]
        let network = HostNetwork(node: NodeNetworkConfig(name: "node1", namespace: node.namespace, underlayAddress: node.address,
                                                          subnet: CIDR("198.19.1.0/24")!, clusterCIDRs: [CIDR("198.19.0.0/17")!], backend: .hostGW))
        try network.sync()
        let address = IPv4Address("198.19.1.10")!
        let container = ContainerNetwork(id: "c1", namespace: lab.containerNamespace("c1"), address: address, prefix: 24,
                                         ports: [PublishedPort(.udp, hostPort: 5353, containerPort: 53)])
        try network.attach(container)
        func flows() throws -> Int {
            let text = String(decoding: try lab.run(node.namespace, ["conntrack", "-L", "-f", "ipv4"]).stdout, as: UTF8.self)
            return text.split(separator: "\n").filter { $0.contains("\(address)") }.count
        }
        for (source, destination) in [("198.18.0.1", "\(address)"), ("\(address)", "203.0.113.1")] {
            try lab.exec(node.namespace, ["conntrack", "-I", "-p", "udp", "-s", source, "-d", destination, "--sport", "4000", "--dport", "53", "--timeout", "100"])
        }
        #expect(try flows() == 2)

        // nft refuses (its table deleted by hand): the container stays, pending.
        try lab.exec(node.namespace, ["nft", "delete", "table", "ip", "berth"])
        #expect(throws: HostNetworkError.self) { try network.detach(containerID: "c1") }
        #expect(network.pendingDetaches == ["c1"])
        #expect(network.desired.containers.map(\.id) == ["c1"], "recorded as detached only once nft applied it")
        #expect(FileManager.default.fileExists(atPath: "/run/netns/\(container.namespace)"))
        let next = ContainerNetwork(id: "c2", namespace: lab.containerNamespace("c2"), address: address, prefix: 24)
        #expect(throws: HostNetworkError.self, "the address is still being released") { try network.attach(next) }

        // The next sync makes the table again without it and finishes the detach.
        try network.sync()
        #expect(network.pendingDetaches.isEmpty && network.desired.containers.isEmpty)
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(container.namespace)"))
        #expect(try flows() == 0, "the address's flows are gone before it can be reused")
        try network.attach(next)
        try network.detach(containerID: "c2")
        #expect(network.pendingDetaches.isEmpty)
        try network.teardown()
    }
}
