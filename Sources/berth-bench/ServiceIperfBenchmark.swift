import BerthCore
import BerthHarness
import BerthNetwork
import Foundation

/// iperf3 through a service VIP against straight to its target, one TCP stream: two nodes, the
/// client container and one iperf3 server on the first, another server on the second, each
/// server the only target of its own service (among `services` in all, the rest synthetic).
/// Each run measures direct and via VIP back to back (which goes first alternates), so the
/// run's ratio is free of the machine's drift between runs.
enum ServiceIperfBenchmark {
    struct Path {
        var label: String
        /// Gbit/s per run.
        var direct: [Double] = []
        var viaVIP: [Double] = []
        var ratios: [Double] { zip(viaVIP, direct).map { $0 / $1 } }
    }

    static func run(_ lab: ServiceBenchLab, services: Int, seconds: Int, runs: Int) async throws -> [Path] {
        let iperf = try Tools.path("iperf3")
        let client = try lab.container("iperf-client", host: 21, onNode: 0)
        let local = try lab.container("iperf-local", host: 22, onNode: 0)
        let remote = try lab.container("iperf-remote", host: 23, onNode: 1)
        for server in [local, remote] { try lab.lab.spawn(server.namespace, [iperf, "-s", "-B", "\(server.address)", "-p", "5201"]) }
        let targets = [("same node", local, IPv4Address("198.19.128.2")!), ("cross node", remote, IPv4Address("198.19.128.3")!)]
        let measured = targets.map { label, server, vip in
            ServiceRules.Service(name: label.replacingOccurrences(of: " ", with: "-"), vip: vip,
                                 ports: [ServiceRules.Port(port: 5201, targetPort: 5201, targetIPs: [server.address])])
        }
        let input = ServiceRules.Input(services: SyntheticServices.make(services - measured.count) + measured)
        for proxy in lab.proxies { try proxy.update(input) }

        var paths: [Path] = []
        for (label, server, vip) in targets {
            var path = Path(label: label)
            for run in 1...runs {
                for viaVIP in run % 2 == 1 ? [false, true] : [true, false] {
                    let gbps = try await lab.lab.iperf3(from: client.namespace, to: "\(viaVIP ? vip : server.address)", seconds: seconds)
                    if viaVIP { path.viaVIP.append(gbps) } else { path.direct.append(gbps) }
                    say(String(format: "  %@ run %d %@: %.2f Gbit/s", label, run, viaVIP ? "via VIP" : "direct", gbps))
                }
            }
            paths.append(path)
        }
        return paths
    }
}
