import BerthHarness
import BerthLab
import Foundation

/// Berth's container-to-container throughput against its hand-made floor: the lab's own wire
/// (veth hops, the switch bridge, forwarding on two nodes, encapsulation, all on the same
/// cores as iperf3) costs what it costs whoever builds the network, so Berth's part is the
/// ratio to the same wiring made by hand (`HandWiredNetwork`) in a second lab of the same
/// shape, measured in the same run. Runs alternate between the two, each run's ratio compares
/// streams measured back to back.
enum DataplaneFloorBenchmark {
    struct Result {
        var backend: String
        /// Gbit/s per run: Berth, then the hand-made floor.
        var crossNode: (berth: [Double], floor: [Double])
        var sameNode: (berth: [Double], floor: [Double])

        var crossRatios: [Double] { zip(crossNode.berth, crossNode.floor).map { $0 / $1 } }
        var sameRatios: [Double] { zip(sameNode.berth, sameNode.floor).map { $0 / $1 } }
    }

    static func run(_ context: BenchContext, backend: String, seconds: Int, runs: Int) async throws -> Result {
        let cluster = try await LabCluster.start(nodes: 2, backend: backend, berth: context.berth)
        let floorLab: NetworkLab
        do {
            floorLab = try NetworkLab(nodes: 2)
        } catch {
            _ = await cluster.shutdown()
            throw error
        }
        do {
            let berth = try await DataplaneIsolationBenchmark.prepare(cluster)
            let wired = HandWiredNetwork(lab: floorLab, backend: backend)
            try wired.wire()
            let (n1, n2) = (floorLab.nodes[0], floorLab.nodes[1])
            let client = try wired.container("client", on: n1, host: 3)
            let near = try wired.container("near", on: n1, host: 2)
            let far = try wired.container("far", on: n2, host: 2)
            let iperf = try Tools.path("iperf3")
            for server in [near, far] { try floorLab.spawn(server.namespace, [iperf, "-s", "-p", "5201"]) }

            var result = Result(backend: backend, crossNode: ([], []), sameNode: ([], []))
            for run in 1...runs {
                for berthFirst in run % 2 == 1 ? [true, false] : [false, true] {
                    if berthFirst {
                        let cross = try await cluster.iperf3(from: berth.client, to: berth.far, seconds: seconds)
                        let same = try await cluster.iperf3(from: berth.client, to: berth.near, seconds: seconds)
                        result.crossNode.berth.append(cross)
                        result.sameNode.berth.append(same)
                        say(String(format: "  %@ run %d berth: cross node %.2f Gbit/s, same node %.2f Gbit/s", backend, run, cross, same))
                    } else {
                        let cross = try await floorLab.iperf3(from: client.namespace, to: far.ip, seconds: seconds)
                        let same = try await floorLab.iperf3(from: client.namespace, to: near.ip, seconds: seconds)
                        result.crossNode.floor.append(cross)
                        result.sameNode.floor.append(same)
                        say(String(format: "  %@ run %d hand-made: cross node %.2f Gbit/s, same node %.2f Gbit/s", backend, run, cross, same))
                    }
                }
            }
            let left = floorLab.teardown() + (await cluster.shutdown())
            if !left.isEmpty { throw BenchError("the labs left behind: \(left)") }
            return result
        } catch {
            say(cluster.logTails())
            _ = floorLab.teardown()
            _ = await cluster.shutdown()
            throw error
        }
    }
}
