import BerthCore
import BerthHarness
import BerthNetwork
import Foundation

/// First-connection latency through a VIP: one node, a server and a client container on its
/// bridge, the server's service `measured` at 198.19.128.1:80 → 8080 among `services` services
/// in all (the rest synthetic). Connection setup is timed through the VIP and straight to the
/// server; the service counts alternate round by round (and which path goes first), so a
/// drift in the machine's load falls on both.
enum ServiceConnectBenchmark {
    struct Sample {
        var services: Int
        var round: Int
        var viaVIP: ConnectTimer.Timing
        var direct: ConnectTimer.Timing
    }

    static let vip = IPv4Address("198.19.128.1")!

    static func run(_ lab: ServiceBenchLab, sizes: [Int], rounds: Int, connections: Int) throws -> [Sample] {
        let server = try lab.container("server", host: 11, onNode: 0)
        let client = try lab.container("client", host: 12, onNode: 0)
        try ConnectTimer.serve(lab.lab, in: server.namespace, at: server.address, port: 8080)
        let measured = ServiceRules.Service(name: "measured", vip: vip, ports: [ServiceRules.Port(port: 80, targetPort: 8080, targetIPs: [server.address])])
        let proxy = lab.proxies[0]
        var samples: [Sample] = []
        for round in 0..<rounds {
            for count in round % 2 == 0 ? sizes : sizes.reversed() {
                try proxy.update(ServiceRules.Input(services: SyntheticServices.make(count - 1) + [measured]))
                func time(_ address: IPv4Address, _ port: Int) throws -> ConnectTimer.Timing {
                    try ConnectTimer.time(lab.lab, from: client.namespace, to: address, port: port, count: connections)
                }
                let viaVIP: ConnectTimer.Timing, direct: ConnectTimer.Timing
                if round % 2 == 0 {
                    viaVIP = try time(vip, 80)
                    direct = try time(server.address, 8080)
                } else {
                    direct = try time(server.address, 8080)
                    viaVIP = try time(vip, 80)
                }
                samples.append(Sample(services: count, round: round + 1, viaVIP: viaVIP, direct: direct))
                say(String(format: "  round %d, %d services: via VIP median %.1f µs (p90 %.1f), direct median %.1f µs (p90 %.1f)",
                           round + 1, count, viaVIP.median, viaVIP.p90, direct.median, direct.p90))
            }
        }
        return samples
    }
}
