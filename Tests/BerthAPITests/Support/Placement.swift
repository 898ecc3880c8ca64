import BerthCore
import BerthStore

extension LiveServer {
    /// Places a container on a node the way the scheduler does: node, IP lease and state
    /// in one write. (The scheduler itself arrives with the reconciliation loops.)
    func place(_ id: String, on node: String) async throws {
        _ = try await store.write { tx in
            var container = try ContainerRepository.fetch(tx.db, id)!
            let subnet = try NodeRepository.fetch(tx.db, node)!.subnet!
            container.node = node
            container.state = .scheduled
            container.ip = try LeaseRepository.leaseContainerIP(tx, container: id, node: node, subnet: subnet)
            return try ContainerRepository.update(tx, container)
        }
    }
}
