import BerthCore
@testable import BerthNetwork
import BerthTesting
import Foundation
import Testing

/// Figures for the report, run with BERTH_SVC_BENCH=1 (a few minutes; they load the machine):
/// programming latency (update → nft applied) with 1,000 and 10,000 services of 3 targets,
/// first-connection latency through a VIP with 10 and 10,000 services, and iperf3 through a
/// VIP against straight to the target.
@Suite(.serialized, .enabled(if: ProcessInfo.processInfo.environment["BERTH_SVC_BENCH"] == "1"))
struct ServiceBenchmarks {
    typealias R = ServiceRules

    /// `n` services of `targets` targets each (addresses nobody answers on: only the rules count).
    /// Targets from 198.19.4.0 in the lab's cluster range, VIPs from 198.19.144.0: past the
    /// service range's /20 (4,096 addresses), which the VIPs the tests measure keep to.
    static func services(_ n: Int, targets: Int = 3) -> [R.Service] {
        (0..<n).map { i in
            R.Service(name: "svc\(i)", vip: IPv4Address(0xc613_9000 + UInt32(i)),
                      ports: [R.Port(port: 80, targetPort: 8080, targetIPs: (0..<targets).map { IPv4Address(0xc613_0400 + UInt32(i * targets + $0)) })])
        }
    }

    static func milliseconds(_ d: Duration) -> Double { Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15 }
    static func percentile(_ values: [Double], _ p: Double) -> Double { NetworkBenchmarks.percentile(values, p) }
    static func f(_ x: Double) -> String { String(format: "%.2f", x) }

    /// CPU seconds of this process and of the children it waited for (nft).
    static func cpu() -> (own: Double, children: Double) {
        var own = rusage(), children = rusage()
        getrusage(RUSAGE_SELF.rawValue, &own)
        getrusage(RUSAGE_CHILDREN.rawValue, &children)
        func seconds(_ u: rusage) -> Double { Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6 }
        return (seconds(own), seconds(children))
    }

    static func residentMiB() -> Double {
        let statm = (try? String(contentsOfFile: "/proc/self/statm", encoding: .utf8)) ?? ""
        let pages = Double(statm.split(separator: " ").dropFirst().first.flatMap { Double($0) } ?? 0)
        return pages * Double(sysconf(Int32(_SC_PAGESIZE))) / 1_048_576
    }

    @Test func programmingLatency() throws {
        try ServiceLab.with(nodes: 1) { lab in
            var p99: [Int: Double] = [:]
            for n in [1000, 10000] {
                let proxy = ServiceProxy(namespace: lab.namespace(ofNode: 0))
                var input = R.Input(services: Self.services(n))
                let rss = Self.residentMiB()
                var start = ContinuousClock.now
                let load = try proxy.update(input)
                let loadTime = ContinuousClock.now - start
                print("BENCH svc \(n) services: first update (full load) \(Self.f(Self.milliseconds(loadTime))) ms, \(load.transaction.commands.count) commands, planning \(Self.f(Self.milliseconds(load.planning))) ms; RSS +\(Self.f(Self.residentMiB() - rss)) MiB")

                // 200 changes, each one target of one service replaced; the whole input is passed each time.
                var rng = SplitMix64(seed: 42)
                var wall: [Double] = [], planning: [Double] = []
                let before = Self.cpu()
                for change in 0..<200 {
                    let i = Int.random(in: 0..<n, using: &rng), j = Int.random(in: 0..<3, using: &rng)
                    input.services[i].ports[0].targets[j].ip = IPv4Address(0xc613_7c00 + UInt32(change))
                    start = .now
                    let report = try proxy.update(input)
                    wall.append(Self.milliseconds(ContinuousClock.now - start))
                    planning.append(Self.milliseconds(report.planning))
                    #expect(!report.fullResync && !report.transaction.isEmpty)
                }
                let after = Self.cpu()
                p99[n] = Self.percentile(wall, 0.99)
                print("BENCH svc \(n) services: update → nft applied p50 \(Self.f(Self.percentile(wall, 0.5))) ms, p99 \(Self.f(p99[n]!)) ms; planning p50 \(Self.f(Self.percentile(planning, 0.5))) ms, p99 \(Self.f(Self.percentile(planning, 0.99))) ms; CPU per update: agent \(Self.f((after.own - before.own) * 5)) ms, nft \(Self.f((after.children - before.children) * 5)) ms")

                start = .now
                let verify = try proxy.verify()
                #expect(!verify.drifted)
                print("BENCH svc \(n) services: verify (nft -j list, parse, diff) \(Self.f(Self.milliseconds(ContinuousClock.now - start))) ms, of which reading \(Self.f(Self.milliseconds(verify.reading))) ms")
                try proxy.teardown()
            }
            print("BENCH svc p99 ratio 10,000 / 1,000 services: \(Self.f(p99[10000]! / p99[1000]!))")
        }
    }

    /// Median time of `count` TCP connects (SYN to established), in microseconds.
    static let connectTimer = """
    import socket,sys,time
    host,port,count=sys.argv[1],int(sys.argv[2]),int(sys.argv[3]); xs=[]
    for i in range(count):
        s=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b'\\x01\\x00\\x00\\x00\\x00\\x00\\x00\\x00')
        t=time.perf_counter(); s.connect((host,port)); xs.append((time.perf_counter()-t)*1e6); s.close()
    xs.sort(); print("%.1f %.1f" % (xs[len(xs)//2], xs[int(len(xs)*0.9)]))
    """

    static func connectTime(_ lab: ServiceLab, from namespace: String, to address: IPv4Address, port: Int) throws -> (median: Double, p90: Double) {
        let output = try lab.lab.exec(namespace, [ServiceProbe.python, "-c", connectTimer, "\(address)", "\(port)", "300"])
        let parts = String(decoding: output.stdout, as: UTF8.self).split(whereSeparator: \.isWhitespace).compactMap { Double($0) }
        try #require(parts.count == 2)
        return (parts[0], parts[1])
    }

    @Test func firstConnectionLatencyWith10And10000Services() throws {
        try ServiceLab.with(nodes: 1) { lab in
            let server = try lab.container("server", host: 11, onNode: 0)
            let client = try lab.container("client", host: 12, onNode: 0)
            let vip = IPv4Address("198.19.143.1")!
            let measured = R.Service(name: "measured", vip: vip, ports: [R.Port(port: 80, targetPort: 8080, targetIPs: [server.address])])
            let proxy = lab.proxies[0]
            var medians: [String: [Double]] = [:]
            // Alternated, twice each, so that the machine's load drifts over both.
            for round in 0..<2 {
                for n in [10, 10000] {
                    try proxy.update(R.Input(services: Self.services(n - 1) + [measured]))
                    let viaVIP = try Self.connectTime(lab, from: client.namespace, to: vip, port: 80)
                    let direct = try Self.connectTime(lab, from: client.namespace, to: server.address, port: 8080)
                    medians["\(n)", default: []].append(viaVIP.median)
                    medians["direct", default: []].append(direct.median)
                    print("BENCH svc first connection, \(n) services, round \(round + 1): via VIP median \(Self.f(viaVIP.median)) µs (p90 \(Self.f(viaVIP.p90))), direct median \(Self.f(direct.median)) µs (p90 \(Self.f(direct.p90)))")
                }
            }
            let ratio = (medians["10000"]!.reduce(0, +) / 2) / (medians["10"]!.reduce(0, +) / 2)
            print("BENCH svc first-connection ratio 10,000 / 10 services: \(Self.f(ratio))")
        }
    }

    @Test func iperfThroughVIPAgainstDirect() throws {
        try RequiredTools.require(RequiredTools.live + ["iperf3"])
        try ServiceLab.with(nodes: 2) { lab in
            let client = try lab.container("client", host: 11, onNode: 0, ports: [])
            let local = try lab.container("local", host: 12, onNode: 0, ports: [])
            let remote = try lab.container("remote", host: 13, onNode: 1, ports: [])
            for server in [local, remote] { _ = try lab.lab.spawn(server.namespace, ["iperf3", "-s", "-B", "\(server.address)", "-p", "5201"]) }
            let services = [("local", local, "198.19.129.1"), ("remote", remote, "198.19.129.2")].map { name, c, vip in
                R.Service(name: name, vip: IPv4Address(vip)!, ports: [R.Port(port: 5201, targetPort: 5201, targetIPs: [c.address])])
            }
            for proxy in lab.proxies { try proxy.update(R.Input(services: services, localContainers: [])) }
            struct Report: Decodable {
                struct End: Decodable { struct Sum: Decodable { var bits_per_second: Double }; var sum_received: Sum }
                var end: End
            }
            func gbps(_ address: IPv4Address) throws -> Double {
                var report: Report?
                _ = TCPProbe.poll(timeout: 15) {
                    guard let output = try? lab.lab.runner.run(["ip", "netns", "exec", client.namespace, "iperf3", "-c", "\(address)", "-p", "5201", "-t", "3", "-J"]),
                          output.status == 0 else { return false }
                    report = try? JSONDecoder().decode(Report.self, from: output.stdout)
                    return report != nil
                }
                return try #require(report, "iperf3 to \(address) gave no report").end.sum_received.bits_per_second / 1e9
            }
            for (label, target, vip) in [("same node", local, services[0].vip), ("cross node", remote, services[1].vip)] {
                var direct: [Double] = [], viaVIP: [Double] = []
                for _ in 0..<3 {
                    direct.append(try gbps(target.address))
                    viaVIP.append(try gbps(vip))
                }
                let (d, v) = (Self.percentile(direct, 0.5), Self.percentile(viaVIP, 0.5))
                print("BENCH svc iperf3 \(label): direct \(direct.map(Self.f)) Gbit/s, via VIP \(viaVIP.map(Self.f)) Gbit/s; medians ratio \(Self.f(v / d))")
                #expect(v > 0)
            }
        }
    }
}
