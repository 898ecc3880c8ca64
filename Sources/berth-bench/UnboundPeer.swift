import BerthHarness
import Foundation

/// Debian's unbound serving the same names as Berth's zone from `local-data`, on 127.0.0.1 and
/// a free port, with a given number of threads: the yardstick for the DNS benchmark.
final class UnboundPeer: Sendable {
    let child: ChildProcess
    let port: Int

    private init(child: ChildProcess, port: Int) {
        self.child = child
        self.port = port
    }

    /// The records Berth's zone holds for `fixture`, as unbound `local-data` lines: each
    /// service's VIP, its SRV records (`svc` and `_http._tcp.svc`), every container's A record.
    static func localData(_ fixture: DNSFixture.Built, ttl: Int) -> String {
        var lines: [String] = []
        lines.reserveCapacity(fixture.containers.count + fixture.services.count * 24)
        for service in fixture.services {
            let name = "\(service.service).service.berth."
            if let vip = service.vip { lines.append("local-data: \"\(name) \(ttl) IN A \(vip)\"") }
            for target in service.targets {
                for owner in [name, "_http._tcp.\(name)"] {
                    lines.append("local-data: \"\(owner) \(ttl) IN SRV 1 1 \(target.port) \(target.container).container.berth.\"")
                }
            }
        }
        for container in fixture.containers {
            lines.append("local-data: \"\(container.id).container.berth. \(ttl) IN A \(container.ip)\"")
        }
        return lines.joined(separator: "\n")
    }

    static func start(_ context: BenchContext, fixture: DNSFixture.Built, threads: Int, ttl: Int) async throws -> UnboundPeer {
        let unbound = try await AptTool.path("unbound", package: "unbound")
        let folder = "\(context.scratch)/unbound"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let port = freePort()
        let config = """
            server:
              interface: 127.0.0.1
              port: \(port)
              do-ip6: no
              do-tcp: yes
              do-daemonize: no
              chroot: ""
              username: ""
              directory: "\(folder)"
              pidfile: ""
              use-syslog: no
              logfile: ""
              verbosity: 0
              num-threads: \(threads)
              so-reuseport: yes
              access-control: 127.0.0.0/8 allow
              module-config: "iterator"
              local-zone: "berth." static
            \(localData(fixture, ttl: ttl).split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            remote-control:
              control-enable: no

            """
        let path = "\(folder)/unbound.conf"
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let child = try ChildProcess(name: "unbound", executable: unbound, arguments: ["-d", "-c", path], directory: context.scratch)
        let peer = UnboundPeer(child: child, port: port)
        let probe = try DNSProbe(port: port)
        let deadline = ContinuousClock.now + .seconds(120)
        while ContinuousClock.now < deadline {
            if let answer = try? probe.ask("\(fixture.containers[0].id).container.berth.", .a, timeout: .milliseconds(200)), !answer.answers.isEmpty {
                return peer
            }
            guard child.isRunning else { throw BenchError("unbound exited: \(child.errors.suffix(2000))") }
            try await Task.sleep(for: .milliseconds(200))
        }
        await child.stop(grace: .seconds(5))
        throw BenchError("unbound did not answer within 120 s: \(child.errors.suffix(2000))")
    }

    func residentBytes() -> Double? { child.residentBytes() }
    func cpuSeconds() -> Double? { child.cpuSeconds() }

    func stop() async { _ = await child.stop(grace: .seconds(10)) }
}
