import BerthCore
import BerthLab
import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Figures for the report, run with BERTH_NET_BENCH=1 (they take about half a minute and load
/// the machine): attach latency and processes per attach over 100 containers, sync time with 50
/// peers, and iperf3 single-stream TCP container to container in the lab.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["BERTH_NET_BENCH"] == "1"))
struct NetworkBenchmarks {
    static func node(_ lab: NetworkLab, _ i: Int, _ backend: Backend) -> NodeNetworkConfig {
        NodeNetworkConfig(name: "node\(i + 1)", namespace: lab.nodes[i].namespace, underlayAddress: lab.nodes[i].address,
                          subnet: CIDR("198.19.\(i + 1).0/24")!, clusterCIDRs: [CIDR("198.19.0.0/17")!], backend: backend)
    }

    static func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
    }

    @Test func attachLatencyAndSyncWithFiftyPeers() throws {
        try RequiredTools.require(["ip", "nft", "bridge"])
        let lab = try NetworkLab(nodes: 1)
        defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
        for backend in [Backend.hostGW, .vxlan(vni: 9)] {
            let network = HostNetwork(node: Self.node(lab, 0, backend))
            network.setPeers((0..<50).map { PeerNode(name: "peer\($0)", underlayAddress: IPv4Address(0xc612_0000 + UInt32(100 + $0)), subnet: CIDR("198.19.\(50 + $0).0/24")!) })
            var clock = ContinuousClock.now
            let first = try network.sync()
            let firstTime = ContinuousClock.now - clock
            clock = .now
            let steady = try network.sync()
            let steadyTime = ContinuousClock.now - clock
            #expect(steady.actions.isEmpty)
            try lab.ip(lab.nodes[0].namespace, ["route", "del", "198.19.70.0/24"])
            clock = .now
            let repair = try network.sync()
            let repairTime = ContinuousClock.now - clock
            #expect(repair.actions.count == 1)
            print("BENCH sync \(backend) 50 peers: first \(first.actions.count) actions \(first.processes) processes \(firstTime); steady \(steadyTime) (\(steady.processes) processes); repair \(repairTime)")

            var latencies: [Double] = []
            var processes: [Int] = []
            var containers: [ContainerNetwork] = []
            for n in 0..<100 {
                let c = ContainerNetwork(id: "bench-\(n)", namespace: lab.containerNamespace("b\(n)"), address: IPv4Address(0xc613_010a + UInt32(n)), prefix: 24,
                                         ports: n % 10 == 0 ? [PublishedPort(.tcp, hostPort: UInt16(20000 + n), containerPort: 80)] : [])
                let before = network.executor.runner.processCount
                let start = ContinuousClock.now
                try network.attach(c)
                let took = ContinuousClock.now - start
                latencies.append(Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000)
                processes.append(network.executor.runner.processCount - before)
                containers.append(c)
            }
            let plain = processes.enumerated().filter { $0.offset % 10 != 0 }.map(\.element)
            print("BENCH attach \(backend) x100: p50 \(String(format: "%.1f", Self.percentile(latencies, 0.5))) ms, p99 \(String(format: "%.1f", Self.percentile(latencies, 0.99))) ms, processes \(Set(plain).sorted()) (\(Set(processes.enumerated().filter { $0.offset % 10 == 0 }.map(\.element)).sorted()) with a published port)")
            clock = .now
            let after = try network.sync()
            print("BENCH sync \(backend) 50 peers + 100 containers steady: \(ContinuousClock.now - clock), \(after.actions.count) actions")
            #expect(after.actions.isEmpty, "\(after.actions)")
            var detach: [Double] = []
            for c in containers {
                let start = ContinuousClock.now
                try network.detach(containerID: c.id)
                let took = ContinuousClock.now - start
                detach.append(Double(took.components.attoseconds) / 1e15 + Double(took.components.seconds) * 1000)
            }
            print("BENCH detach \(backend) x100: p50 \(String(format: "%.1f", Self.percentile(detach, 0.5))) ms, p99 \(String(format: "%.1f", Self.percentile(detach, 0.99))) ms")
            try network.teardown()
        }
    }

    @Test func iperfContainerToContainer() throws {
        try RequiredTools.require(["ip", "nft", "bridge", "iperf3"])
        for backend in [Backend.hostGW, .vxlan(vni: 9)] {
            let lab = try NetworkLab(nodes: 2)
            defer { let left = lab.teardown(); #expect(left.isEmpty, "left behind: \(left)") }
            let configs = [Self.node(lab, 0, backend), Self.node(lab, 1, backend)]
            let networks = configs.map { HostNetwork(node: $0) }
            for (i, network) in networks.enumerated() {
                let other = configs[1 - i]
                network.setPeers([PeerNode(name: other.name, underlayAddress: other.underlayAddress, subnet: other.subnet)])
                try network.sync()
            }
            let a = ContainerNetwork(id: "a", namespace: lab.containerNamespace("a"), address: IPv4Address("198.19.1.10")!, prefix: 24)
            let b = ContainerNetwork(id: "b", namespace: lab.containerNamespace("b"), address: IPv4Address("198.19.1.11")!, prefix: 24)
            let c = ContainerNetwork(id: "c", namespace: lab.containerNamespace("c"), address: IPv4Address("198.19.2.10")!, prefix: 24)
            try networks[0].attach(a); try networks[0].attach(b); try networks[1].attach(c)
            for server in [b, c] { _ = try lab.spawn(server.namespace, ["iperf3", "-s", "-B", "\(server.address)", "-p", "5201"]) }
            for (label, server) in [("same node", b), ("cross node", c)] {
                struct Report: Decodable {
                    struct End: Decodable { struct Sum: Decodable { var bits_per_second: Double }; var sum_received: Sum }
                    var end: End
                }
                var report: Report?
                _ = TCPProbe.poll(timeout: 10) {
                    guard let output = try? lab.runner.run(["ip", "netns", "exec", a.namespace, "iperf3", "-c", "\(server.address)", "-p", "5201", "-t", "3", "-J"]),
                          output.status == 0 else { return false }
                    report = try? JSONDecoder().decode(Report.self, from: output.stdout)
                    return report != nil
                }
                let gbps = try #require(report, "iperf3 \(label) gave no report").end.sum_received.bits_per_second / 1e9
                print("BENCH iperf3 \(backend) \(label): \(String(format: "%.2f", gbps)) Gbit/s")
                #expect(gbps > 0)
            }
            for network in networks { try network.teardown() }
        }
    }
}
