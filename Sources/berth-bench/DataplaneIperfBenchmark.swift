import BerthClient
import BerthCore
import BerthHarness
import BerthLab
import Foundation

/// iperf3, one TCP stream, container to container, for one backend: two lab nodes, an iperf3
/// server container on each, and the client in a third container's network namespace on the
/// first node (`ip netns exec`), so the same run measures same node and cross node.
enum DataplaneIperfBenchmark {
    struct Result {
        var backend: String
        /// Gbit/s per run.
        var sameNode: [Double]
        var crossNode: [Double]
        /// The containers' MTU under this backend.
        var mtu: Int

        /// Cross node over same node for each run: the two streams of a run are measured back
        /// to back, so a change in the machine's other load between runs cancels out.
        var ratios: [Double] { zip(crossNode, sameNode).map { $0 / $1 } }
    }

    /// The servers get two CPUs of quota (the machine's all), so the limit is not what is measured.
    static let resources = Resources(cpu: 2000, memory: 128)

    static func run(_ context: BenchContext, backend: String, seconds: Int, runs: Int) async throws -> Result {
        let cluster = try await LabCluster.start(nodes: 2, backend: backend, berth: context.berth)
        do {
            let result = try await measure(cluster, seconds: seconds, runs: runs)
            let left = await cluster.shutdown()
            if !left.isEmpty { throw BenchError("the lab left behind: \(left)") }
            return result
        } catch {
            say(cluster.logTails())
            _ = await cluster.shutdown()
            throw error
        }
    }

    private static func measure(_ cluster: LabCluster, seconds: Int, runs: Int) async throws -> Result {
        let (n1, n2) = (cluster.lab.nodes[0], cluster.lab.nodes[1])
        let iperf = try Tools.path("iperf3")
        let server = [iperf, "-s", "-p", "5201"]
        let near = try await cluster.running(try await cluster.run(on: n1, command: server, resources: resources).id)
        let far = try await cluster.running(try await cluster.run(on: n2, command: server, resources: resources).id)
        let client = try await cluster.running(try await cluster.run(on: n1, command: [LabWeb.busybox, "sleep", "3600"], resources: resources).id)
        let mtu = try containerMTU(cluster, cluster.namespace(client))
        var result = Result(backend: cluster.backend, sameNode: [], crossNode: [], mtu: mtu)
        for run in 1...runs {
            // Alternating which goes first, so neither always follows the other.
            let order = run % 2 == 1 ? [("same node", near), ("cross node", far)] : [("cross node", far), ("same node", near)]
            for (label, target) in order {
                guard let ip = target.ip else { throw BenchError("container \(target.id) has no IP") }
                let gbps = try await cluster.iperf3(from: cluster.namespace(client), to: ip, seconds: seconds)
                say(String(format: "  %@ run %d %@: %.2f Gbit/s", cluster.backend, run, label, gbps))
                if target.id == near.id { result.sameNode.append(gbps) } else { result.crossNode.append(gbps) }
            }
        }
        return result
    }

    static func containerMTU(_ cluster: LabCluster, _ namespace: String) throws -> Int {
        let text = String(decoding: try cluster.lab.runner.check(["ip", "-n", namespace, "-o", "link", "show", "eth0"]).stdout, as: UTF8.self)
        let words = text.split(separator: " ")
        guard let index = words.firstIndex(of: "mtu"), index + 1 < words.count, let mtu = Int(words[index + 1]) else {
            throw BenchError("cannot read the MTU of eth0 in \(namespace)")
        }
        return mtu
    }
}
