import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Logging

/// The cluster a real `berth agent` programs in `berth-bench services --only agent`, built
/// in-process before the server opens it (as `DNSFixture` builds its own): `services` services
/// of `replicas` running, healthy replicas each (port 80 → 8080), placed on `nodes` nodes that
/// are data only, so that every service has its targets and the lab node, which joins later,
/// runs none of them.
///
/// In the lab's ranges: the cluster network 198.19.0.0/17 (its /24 node subnets are what limit
/// the nodes: 128, each holding 253 replicas), the service range 198.19.128.0/18 (a /20 holds
/// only 4,096 VIPs), the nodes' addresses 198.18.1.x (never given to any namespace).
enum ServiceAgentFixture {
    static let clusterCIDR = "198.19.0.0/17"
    static let serviceCIDR = "198.19.128.0/18"

    static func build(path: String, nodes: Int, services: Int, replicas: Int) async throws {
        var options = StoreOptions()
        options.exclusive = false
        var logger = Logger(label: "berth-bench.services")
        logger.logLevel = .warning
        let store = try Store(path: path, options: options, logger: logger)
        defer { try? store.close() }
        _ = try await store.write { tx in try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCIDR, serviceCIDR: serviceCIDR) }
        _ = try await store.write { tx in
            for i in 0..<nodes {
                _ = try NodeRepository.put(tx, name: "data-\(i)", spec: NodeSpec(address: "198.18.1.\(i + 1)", capacity: Resources(cpu: 1_000_000, memory: 1_000_000)))
            }
        }
        let template = ContainerTemplate(image: "app:1", resources: Resources(cpu: 10, memory: 10), ports: [ContainerPort(name: "http", containerPort: 8080)])
        for first in stride(from: 0, to: services, by: 1000) {
            _ = try await store.write { tx in
                for i in first..<min(first + 1000, services) {
                    _ = try ServiceRepository.put(tx, name: "svc-\(i)", spec: ServiceSpec(replicas: replicas, template: template,
                                                                                        ports: [ServicePort(port: 80, targetPort: 8080)]))
                }
            }
        }
        let state = ClusterState(store: store)
        _ = try await ServiceController(state: state, logger: logger).pass()
        _ = try await SchedulerController(state: state, logger: logger).pass()
        let placed = try await store.read { reader in try reader.containerAddresses().filter { $0.ip != nil }.map(\.id) }.value
        guard placed.count == services * replicas else {
            throw BenchError("only \(placed.count) of \(services * replicas) replicas got a node and an address")
        }
        for first in stride(from: 0, to: placed.count, by: 1000) {
            let chunk = Array(placed[first..<min(first + 1000, placed.count)])
            _ = try await store.write { tx in
                for id in chunk { _ = try ContainerRepository.report(tx, id: id, report: StatusReport(state: .running, healthy: true)) }
            }
        }
    }
}
