import BerthClient
import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// What the node's isolation (anti-spoofing on the bridge ports, the forward and input filters,
/// VXLAN from peers only) costs in throughput: two clusters of the same backend in one run, one
/// with the agents' defaults and one with `--unsafe-no-node-isolation`, each with iperf3 servers
/// on both nodes and a client beside the first; the runs alternate between the clusters, so each
/// run's ratio (isolated over bare) compares streams measured back to back.
enum DataplaneIsolationBenchmark {
    struct Result {
        var backend: String
        /// Gbit/s per run, with and without isolation.
        var sameNode: (isolated: [Double], bare: [Double])
        var crossNode: (isolated: [Double], bare: [Double])

        var sameRatios: [Double] { zip(sameNode.isolated, sameNode.bare).map { $0 / $1 } }
        var crossRatios: [Double] { zip(crossNode.isolated, crossNode.bare).map { $0 / $1 } }
    }

    struct Pair {
        var cluster: LabCluster
        var client: String
        var near: String
        var far: String
    }

    static func run(_ context: BenchContext, backend: String, seconds: Int, runs: Int) async throws -> Result {
        var clusters: [LabCluster] = []
        do {
            clusters.append(try await LabCluster.start(nodes: 2, backend: backend, berth: context.berth))
            clusters.append(try await LabCluster.start(nodes: 2, backend: backend, berth: context.berth, agentArguments: ["--unsafe-no-node-isolation"]))
            let pairs = [try await prepare(clusters[0]), try await prepare(clusters[1])]
            var result = Result(backend: backend, sameNode: ([], []), crossNode: ([], []))
            for run in 1...runs {
                let order = run % 2 == 1 ? [0, 1] : [1, 0]
                for index in order {
                    let pair = pairs[index]
                    let same = try await pair.cluster.iperf3(from: pair.client, to: pair.near, seconds: seconds)
                    let cross = try await pair.cluster.iperf3(from: pair.client, to: pair.far, seconds: seconds)
                    let label = index == 0 ? "isolated" : "bare"
                    say(String(format: "  %@ run %d %@: same node %.2f Gbit/s, cross node %.2f Gbit/s", backend, run, label, same, cross))
                    if index == 0 { result.sameNode.isolated.append(same); result.crossNode.isolated.append(cross) }
                    else { result.sameNode.bare.append(same); result.crossNode.bare.append(cross) }
                }
            }
            for cluster in clusters {
                let left = await cluster.shutdown()
                if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
            }
            return result
        } catch {
            for cluster in clusters {
                say(cluster.logTails())
                _ = await cluster.shutdown()
            }
            throw error
        }
    }

    /// iperf3 servers on both nodes and a client container on the first.
    static func prepare(_ cluster: LabCluster) async throws -> Pair {
        let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
        let server = [try Tools.path("iperf3"), "-s", "-p", "5201"]
        let resources = DataplaneIperfBenchmark.resources
        let near = try await cluster.running(try await cluster.run(on: n1, command: server, resources: resources).id)
        let far = try await cluster.running(try await cluster.run(on: n2, command: server, resources: resources).id)
        let client = try await cluster.running(try await cluster.run(on: n1, command: [LabWeb.busybox, "sleep", "3600"], resources: resources).id)
        guard let nearIP = near.ip, let farIP = far.ip else { throw BenchError("an iperf3 server has no IP") }
        return Pair(cluster: cluster, client: cluster.namespace(client), near: nearIP, far: farIP)
    }
}
