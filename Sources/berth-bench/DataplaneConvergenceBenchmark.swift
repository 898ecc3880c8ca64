import BerthClient
import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// Convergence with many nodes, all real: a lab of `nodes` namespaces, each with its own
/// `berth agent --driver linux --netns`. Agents join one at a time (each join timed from the
/// node's registration, as the change feed shows it, to the route to its subnet in every node
/// already there, as each kernel's `ip monitor` shows it); then, with all of them up, `rounds`
/// times a node leaves (agent stopped, node deleted: timed until every other node unrouted its
/// subnet) and joins again (agent started: timed until every other node routes it).
enum DataplaneConvergenceBenchmark {
    struct Result {
        var nodes: Int
        var backend: String
        /// Milliseconds from a registration until the last peer routed it, while nodes joined.
        var growing: [Double]
        /// The same with every node up, one sample per round.
        var joins: [Double]
        /// Every peer's own delay in those rounds.
        var perPeer: [Double]
        /// From the node's deletion until the last peer unrouted it.
        var leaves: [Double]
        /// The agents' resident memory, summed, at the end (MB).
        var agentsRSS: Double
    }

    static func run(_ context: BenchContext, nodes count: Int, rounds: Int, backend: String, seed: UInt64) async throws -> Result {
        let cluster = try await LabCluster.start(nodes: count, backend: backend, agents: false, berth: context.berth)
        do {
            let result = try await measure(cluster, rounds: rounds, seed: seed)
            let left = await cluster.shutdown()
            if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
            return result
        } catch {
            say(String(cluster.logTails().suffix(6000)))
            _ = await cluster.shutdown()
            throw error
        }
    }

    private static func measure(_ cluster: LabCluster, rounds: Int, seed: UInt64) async throws -> Result {
        let nodes = cluster.lab.nodes
        let monitor = RouteMonitor(lab: cluster.lab, folder: cluster.folder.path)
        for node in nodes { try monitor.watch(node) }
        var result = Result(nodes: nodes.count, backend: cluster.backend, growing: [], joins: [], perPeer: [], leaves: [], agentsRSS: 0)

        say("  \(nodes.count) agents join one at a time…")
        for (index, node) in nodes.enumerated() {
            let (latency, _) = try await join(cluster, node, peers: Array(nodes[..<index]), monitor: monitor)
            if index > 0 { result.growing.append(latency) }
        }
        var rng = SplitMix64(seed: seed)
        say("  \(rounds) rounds of a node leaving and joining again, all \(nodes.count) up…")
        for round in 1...max(rounds, 1) {
            let node = nodes[rng.int(in: 0...(nodes.count - 1))]
            let peers = nodes.filter { $0 != node }
            result.leaves.append(try await leave(cluster, node, peers: peers, monitor: monitor))
            let (latency, perPeer) = try await join(cluster, node, peers: peers, monitor: monitor)
            result.joins.append(latency)
            result.perPeer += perPeer
            say(String(format: "    round %d: %@ joined, every peer routed it after %.0f ms", round, node.name, latency))
        }
        result.agentsRSS = nodes.compactMap { cluster.agent($0)?.residentBytes() }.reduce(0, +) / 1_048_576
        return result
    }

    /// Starts the node's agent and waits until it registered and every peer routes its subnet.
    /// Returns the registration → last peer delay and each peer's own (milliseconds).
    private static func join(
        _ cluster: LabCluster, _ node: NetworkLab.Node, peers: [NetworkLab.Node], monitor: RouteMonitor
    ) async throws -> (Double, [Double]) {
        let began = Date()
        let after = try await cluster.server.index()
        try cluster.startAgent(node)
        _ = try await cluster.registration(of: node.name, after: after)
        let registered = Date()
        let subnet = try await cluster.subnet(of: node)
        var seen: [String: Date] = [:]
        try await eventually("every peer routes \(node.name)'s \(subnet)", timeout: .seconds(60), poll: .milliseconds(20)) {
            for peer in peers where seen[peer.name] == nil {
                seen[peer.name] = monitor.change(subnet, on: peer, since: began)
            }
            return seen.count == peers.count
        }
        try await cluster.waitUntilReady([node])
        let delays = seen.values.map { max(0, $0.timeIntervalSince(registered) * 1000) }
        return (delays.max() ?? 0, delays)
    }

    /// Stops the node's agent, deletes the node, and waits until no peer routes its subnet;
    /// the deletion → last peer delay (milliseconds).
    private static func leave(_ cluster: LabCluster, _ node: NetworkLab.Node, peers: [NetworkLab.Node], monitor: RouteMonitor) async throws -> Double {
        let subnet = try await cluster.subnet(of: node)
        await cluster.agent(node)?.stop(grace: .seconds(5))
        let deleted = Date()
        _ = try await cluster.client.delete("nodes", node.name)
        var seen: [String: Date] = [:]
        try await eventually("no peer routes \(node.name)'s \(subnet)", timeout: .seconds(60), poll: .milliseconds(20)) {
            for peer in peers where seen[peer.name] == nil {
                seen[peer.name] = monitor.change(subnet, on: peer, since: deleted, deleted: true)
            }
            return seen.count == peers.count
        }
        return seen.values.map { max(0, $0.timeIntervalSince(deleted) * 1000) }.max() ?? 0
    }
}
