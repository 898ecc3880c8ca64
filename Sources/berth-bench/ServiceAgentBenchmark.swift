import BerthHarness
import BerthLab
import Foundation

/// The real agent with many services: a cluster of `services` services × `replicas` running
/// replicas (`ServiceAgentFixture`, on data-only nodes) served by the release `berth serve`,
/// and one release `berth agent --driver linux --netns <node>` started on a lab node. Its
/// `ServicePlane` lists every service's targets and programs them; measured: the time from
/// the agent's start until the node's `svc-ips` map holds every VIP, then the agent's RSS and
/// CPU (its own, and its reaped children's: nft, ip) at that point and over an idle minute
/// with everything programmed (heartbeats, the 30 s `verify()`, its other loops).
enum ServiceAgentBenchmark {
    struct Result {
        var services: Int
        var programmed: Double
        var residentMiB: Double
        var cpu: Double
        var childrenCPU: Double
        var idleSeconds: Double
        var idleCPU: Double
        var idleChildrenCPU: Double
        /// The server's own time to list every service's targets (all pages), measured alone.
        var listSeconds: Double
    }

    static func run(_ context: BenchContext, services: Int, replicas: Int, idle: Duration) async throws -> Result {
        let nodes = (services * replicas + 239) / 240
        guard nodes <= 125 else { throw BenchError("\(services * replicas) replicas need more than the 125 data nodes the cluster range holds") }
        let database = "\(context.scratch)/services-agent.db"
        say("  building \(services) services × \(replicas) running replicas on \(nodes) data-only nodes (in process)…")
        let built = ContinuousClock.now
        try await ServiceAgentFixture.build(path: database, nodes: nodes, services: services, replicas: replicas)
        say(String(format: "  built in %.1f s", seconds(.now - built)))
        let cluster = try await LabCluster.start(nodes: 1, backend: "host-gw", agents: false, berth: context.berth,
                                                 serverArguments: ["--service-cidr", ServiceAgentFixture.serviceCIDR, "--node-timeout", "1h"], database: database)
        do {
            let node = cluster.lab.nodes[0]
            let started = ContinuousClock.now
            let agent = try cluster.startAgent(node)
            try await eventually("the agent programmed \(services) VIPs", timeout: .seconds(300), poll: .seconds(1)) {
                (try? vips(cluster, node)) ?? 0 >= services
            }
            let programmed = seconds(.now - started)
            let atProgrammed = try usage(agent.pid)
            say(String(format: "  every VIP programmed %.1f s after the agent started; RSS %.1f MiB, CPU %.2f s + children %.2f s",
                       programmed, atProgrammed.rss, atProgrammed.cpu, atProgrammed.children))
            let idleStart = ContinuousClock.now
            try await Task.sleep(for: idle)
            let afterIdle = try usage(agent.pid)
            let idleSeconds = seconds(.now - idleStart)
            let serverCPU = cluster.server.child.cpuSeconds() ?? 0
            let listed = try await listTargets(cluster)
            say(String(format: "  the agent's list, GET /v1/targets page by page, by itself afterwards: %.1f s (%d pages), the server using %.1f s CPU",
                       listed.seconds, listed.pages, (cluster.server.child.cpuSeconds() ?? 0) - serverCPU))
            let result = Result(services: services, programmed: programmed, residentMiB: afterIdle.rss, cpu: atProgrammed.cpu,
                                childrenCPU: atProgrammed.children, idleSeconds: idleSeconds,
                                idleCPU: afterIdle.cpu - atProgrammed.cpu, idleChildrenCPU: afterIdle.children - atProgrammed.children,
                                listSeconds: listed.seconds)
            let left = await cluster.shutdown()
            if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
            return result
        } catch {
            say(String(cluster.logTails().suffix(4000)))
            _ = await cluster.shutdown()
            throw error
        }
    }

    /// How long the server takes to hand out every service's targets, as the agent's first
    /// list reads them (pages of 1,000).
    static func listTargets(_ cluster: LabCluster) async throws -> (seconds: Double, pages: Int) {
        struct Page: Decodable { var next: String? }
        let start = ContinuousClock.now
        var next: String?, pages = 0
        repeat {
            let reply = try await cluster.client.get("/v1/targets" + (next.map { "?next=\($0)" } ?? ""))
            guard reply.status == 200 else { throw BenchError("GET /v1/targets: \(reply.status)") }
            next = try reply.decode(Page.self).next
            pages += 1
        } while next != nil
        return (seconds(.now - start), pages)
    }

    /// Elements of `svc-ips` on the node (VIP ports programmed), counted from `nft -j`.
    static func vips(_ cluster: LabCluster, _ node: NetworkLab.Node) throws -> Int {
        let output = try cluster.lab.exec(node.namespace, ["nft", "-j", "list", "map", "ip", "berth-svc", "svc-ips"])
        return String(decoding: output.stdout, as: UTF8.self).components(separatedBy: "\"concat\"").count - 1
    }

    /// RSS (MiB) and CPU seconds of `pid` and of the children it has reaped, from /proc.
    static func usage(_ pid: Int32) throws -> (rss: Double, cpu: Double, children: Double) {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = stat.lastIndex(of: ")"),
              let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { throw BenchError("cannot read /proc/\(pid)") }
        // After the command name: utime, stime, cutime, cstime are fields 14-17 (11-14 here).
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        let tick = Double(sysconf(Int32(_SC_CLK_TCK)))
        guard fields.count > 14, let user = Double(fields[11]), let system = Double(fields[12]),
              let childUser = Double(fields[13]), let childSystem = Double(fields[14]) else { throw BenchError("cannot parse /proc/\(pid)/stat") }
        return (kb / 1024, (user + system) / tick, (childUser + childSystem) / tick)
    }

    static func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
}
