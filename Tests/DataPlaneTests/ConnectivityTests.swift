import BerthClient
import BerthCore
import BerthLab
import BerthTesting
import Foundation
import Testing

/// Linux containers on the node network, end to end under each backend: the built server and
/// agents in a lab, containers reaching each other by their leased IPs on one node and across
/// nodes, the outside world through masquerade, a published host port at the node's address,
/// a node that joins later, and one that is deleted.
@Suite(.heavy, .requiresRoot, .requires("ip", "nft", "bridge", "busybox", "timeout", "iperf3"))
struct ConnectivityTests {
    @Test(arguments: ["host-gw", "vxlan"])
    func containersReachEachOtherTheOutsideAndPublishedPorts(backend: String) async throws {
        try await LabCluster.with(nodes: 2, backend: backend) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let published = ContainerPort(name: "http", containerPort: LabWeb.port, hostPort: 18080)
            let a = try await cluster.running(try await cluster.run(on: n1, command: LabWeb.command()).id)
            let b = try await cluster.running(try await cluster.run(on: n1, command: LabWeb.command(), ports: [published]).id)
            let c = try await cluster.running(try await cluster.run(on: n2, command: LabWeb.command()).id)
            let (ipA, ipB, ipC) = (try #require(a.ip), try #require(b.ip), try #require(c.ip))
            #expect(b.hostPorts == ["http": 18080])
            try await cluster.waitUntilServing([a, b, c])

            // Same node and across nodes, by leased IP; each server sees the client's own
            // address (nothing is translated inside the cluster network).
            #expect(await cluster.http(from: cluster.namespace(a), ipB) == b.id)
            #expect(await cluster.peer(from: cluster.namespace(a), ipB) == ipA)
            #expect(await cluster.http(from: cluster.namespace(a), ipC) == c.id)
            #expect(await cluster.peer(from: cluster.namespace(a), ipC) == ipA)
            #expect(await cluster.peer(from: cluster.namespace(c), ipB) == ipC)
            // Bulk TCP across nodes (full-size segments: the MTU suits the backend).
            let iperf = try await cluster.run(on: n2, command: [try Tools.path("iperf3"), "-s", "-p", "5201"])
            let receiver = try #require(try await cluster.running(iperf.id).ip)
            let gbps = try await cluster.iperf3(from: cluster.namespace(a), to: receiver, seconds: 1)
            #expect(gbps > 0.01, "\(gbps) Gbit/s")

            // Egress: the server at 203.0.113.1 sees each container's node, never a 198.19 address.
            try await cluster.serveOutside(port: 9000)
            #expect(await cluster.peer(from: cluster.namespace(a), "\(NetworkLab.outsideServer)", port: 9000) == "\(n1.address)")
            #expect(await cluster.peer(from: cluster.namespace(c), "\(NetworkLab.outsideServer)", port: 9000) == "\(n2.address)")

            // The published port answers at the node's underlay address from outside, with the
            // client's address kept (DNAT only); a port nobody published does not.
            #expect(await cluster.http(from: cluster.lab.outsideNamespace, "\(n1.address)", port: 18080) == b.id)
            #expect(await cluster.peer(from: cluster.lab.outsideNamespace, "\(n1.address)", port: 18080) == "\(NetworkLab.outsideAddress)")
            #expect(await cluster.http(from: cluster.lab.outsideNamespace, "\(n1.address)", port: 18081) == nil)
            #expect(await cluster.http(from: cluster.lab.outsideNamespace, "\(n2.address)", port: 18080) == nil)
        }
    }

    /// The agents check their network against the plan once an hour, longer than the test: a
    /// peer routed at all was routed by following the node list. How fast is measured by
    /// `berth-bench dataplane --only convergence`, not here.
    @Test(arguments: ["host-gw", "vxlan"])
    func aNodeThatJoinsIsRoutedAndADeletedOneIsNot(backend: String) async throws {
        try await LabCluster.with(nodes: 2, backend: backend, agentArguments: ["--network-verify-interval", "1h"]) { cluster in
            let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
            let a = try await cluster.running(try await cluster.run(on: n1, command: LabWeb.command()).id)
            let b = try await cluster.running(try await cluster.run(on: n2, command: LabWeb.command()).id)
            try await cluster.waitUntilServing([a, b])

            // A third node joins: its agent registers it; every other node routes its subnet.
            let after = try await cluster.server.index()
            let n3 = try cluster.lab.addNode()
            try cluster.startAgent(n3)
            let registered = try await cluster.registration(of: n3.name, after: after)
            let subnet3 = try await cluster.subnet(of: n3)
            let programmed = try await cluster.whenRouted(subnet3, on: [n1, n2])
            // Programmed by following the node list: no periodic check runs within the test.
            #expect(Set(programmed.keys) == [n1.name, n2.name])
            for (node, at) in programmed { print("measured, \(backend): \(n3.name) registered → routed on \(node): \(at - registered)") }
            try await cluster.waitUntilReady([n3])
            let c = try await cluster.running(try await cluster.run(on: n3, command: LabWeb.command()).id)
            try await cluster.waitUntilServing([c])
            let (ipA, ipB, ipC) = (try #require(a.ip), try #require(b.ip), try #require(c.ip))
            #expect(await cluster.peer(from: cluster.namespace(a), ipC) == ipA)
            #expect(await cluster.peer(from: cluster.namespace(b), ipC) == ipB)
            #expect(await cluster.peer(from: cluster.namespace(c), ipA) == ipC)
            if backend == "vxlan" {
                for node in [n1, n2] { #expect(cluster.vxlanEntries(on: node).contains("\(n3.address)"), "\(node.name) has an FDB entry to \(n3.address)") }
            }

            // The node is deleted (its container first, then its agent stops): its subnet is
            // unrouted on the others, and for VXLAN its FDB entry goes too.
            _ = try await cluster.client.delete("containers", c.id)
            try await eventually("the container on \(n3.name) is removed") { cluster.traces(of: c.id, on: n3).isEmpty }
            await cluster.agent(n3)?.stop(grace: .seconds(5))
            let deleted = ContinuousClock.now
            _ = try await cluster.client.delete("nodes", n3.name)
            let unrouted = try await cluster.whenUnrouted(subnet3, on: [n1, n2])
            for (node, at) in unrouted { print("measured, \(backend): \(n3.name) deleted → unrouted on \(node): \(at - deleted)") }
            for node in [n1, n2] {
                #expect(cluster.routes(on: node)[subnet3] == nil)
                #expect(!cluster.vxlanEntries(on: node).contains("\(n3.address)"))
            }
            #expect(await cluster.peer(from: cluster.namespace(a), ipB) == ipA, "the remaining nodes still reach each other")
        }
    }
}
