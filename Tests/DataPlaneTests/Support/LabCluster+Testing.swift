import BerthLab
import BerthTesting
import Testing

extension LabCluster {
    /// Runs `body` in a fresh cluster, then tears everything down and expects nothing with the
    /// lab's prefix left (namespaces, root links, cgroups, processes). On a failure the logs'
    /// tails are printed first.
    static func with(
        nodes: Int, backend: String = "vxlan", agents: Bool = true, agentArguments: [String] = [], _ body: (LabCluster) async throws -> Void
    ) async throws {
        let cluster = try await start(nodes: nodes, backend: backend, agents: agents, agentArguments: agentArguments)
        do {
            try await body(cluster)
        } catch {
            print(cluster.logTails())
            _ = await cluster.shutdown()
            throw error
        }
        let left = await cluster.shutdown()
        #expect(left.isEmpty, "left behind: \(left)")
    }
}
