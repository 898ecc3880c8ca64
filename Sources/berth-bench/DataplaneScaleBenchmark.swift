import BerthClient
import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// A service of busybox web servers scaled from 0 to `replicas` across three lab nodes: the
/// time until every replica is `running` (as the server says), and until every one answers its
/// own id over HTTP at its leased IP from the first node's namespace (two thirds of them
/// across nodes).
enum DataplaneScaleBenchmark {
    struct Result {
        var replicas: Int
        var running: Double
        var reachable: Double
    }

    static func run(_ context: BenchContext, replicas: Int, nodes: Int = 3) async throws -> Result {
        let cluster = try await LabCluster.start(nodes: nodes, backend: "vxlan", berth: context.berth)
        do {
            let result = try await measure(cluster, replicas: replicas)
            _ = try? await cluster.client.delete("services", "web")
            for node in cluster.lab.nodes {
                try await eventually("the agent on \(node.name) removed the replicas", timeout: .seconds(120)) {
                    cluster.containerNamespaces(on: node).isEmpty && cluster.cgroupIDs(on: node).isEmpty
                }
            }
            let left = await cluster.shutdown()
            if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
            return result
        } catch {
            say(String(cluster.logTails().suffix(6000)))
            _ = await cluster.shutdown()
            throw error
        }
    }

    private static func measure(_ cluster: LabCluster, replicas: Int) async throws -> Result {
        let template = ContainerTemplate(image: "host", command: LabWeb.command(), resources: Resources(cpu: 50, memory: 16))
        try await cluster.service("web", ServiceSpec(replicas: 0, template: template))
        let began = ContinuousClock.now
        try await cluster.service("web", ServiceSpec(replicas: replicas, template: template))
        var running: [Container] = []
        try await eventually("\(replicas) replicas run", timeout: .seconds(300), poll: .milliseconds(50)) {
            running = try await cluster.runningContainers(service: "web")
            return running.count == replicas
        }
        let allRunning = ContinuousClock.now - began
        say(String(format: "  %d replicas running after %.2f s; checking each answers…", replicas, seconds(allRunning)))
        let from = cluster.lab.nodes[0].namespace
        var pending = running
        try await eventually("every replica answers over HTTP", timeout: .seconds(300), poll: .milliseconds(50)) {
            pending = await withTaskGroup(of: Container?.self) { group in
                var left: [Container] = []
                for (index, container) in pending.enumerated() {
                    // 8 checks at a time (the machine has 2 cores).
                    if index >= 8, let unanswered = await group.next(), let unanswered { left.append(unanswered) }
                    group.addTask { await cluster.http(from: from, container.ip ?? "", path: "/") == container.id ? nil : container }
                }
                for await container in group { if let container { left.append(container) } }
                return left
            }
            return pending.isEmpty
        }
        let allReachable = ContinuousClock.now - began
        let nodes = Set(running.compactMap(\.node))
        say(String(format: "  all reachable after %.2f s (replicas on %d nodes)", seconds(allReachable), nodes.count))
        return Result(replicas: replicas, running: seconds(allRunning), reachable: seconds(allReachable))
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }
}
