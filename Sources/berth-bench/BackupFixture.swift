import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Logging

/// Builds a large cluster database in-process, before any server opens it: nodes (each leasing a
/// /24 of the cluster network) and standalone containers, a thousand per transaction, then placed
/// by the server's own scheduler pass, so the cluster is settled: a server started on the file
/// has nothing left to schedule.
enum BackupFixture {
    struct Built {
        var seconds: Double
        var bytes: Double
        var placed: Int
    }

    static func build(path: String, nodes: Int, containers: Int, clusterCIDR: String) async throws -> Built {
        let start = ContinuousClock.now
        var options = StoreOptions()
        options.exclusive = false  // the server takes the lock once this store is gone
        var logger = Logger(label: "berth-bench.fixture")
        logger.logLevel = .warning
        let store = try Store(path: path, options: options, logger: logger)
        _ = try await store.write { tx in
            try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCIDR, serviceCIDR: "10.96.0.0/16")
        }
        let batch = 1_000
        for first in stride(from: 0, to: nodes, by: batch) {
            _ = try await store.write { tx in
                for i in first..<min(first + batch, nodes) { _ = try NodeRepository.put(tx, name: "node-\(i)", spec: node(i)) }
            }
        }
        for first in stride(from: 0, to: containers, by: batch) {
            _ = try await store.write { tx in
                for i in first..<min(first + batch, containers) { _ = try ContainerRepository.create(tx, spec: container(i)) }
            }
        }
        let placed = try await SchedulerController(state: ClusterState(store: store), logger: logger).pass()
        try store.close()
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int).map(Double.init) ?? 0
        return Built(seconds: (ContinuousClock.now - start) / .seconds(1), bytes: bytes, placed: placed)
    }

    /// A node like the API benchmark's, spread over three zones.
    static func node(_ i: Int) -> NodeSpec {
        NodeSpec(
            address: "192.0.2.10", labels: ["zone": ["a", "b", "c"][i % 3], "disk": "ssd"],
            capacity: Resources(cpu: 4000, memory: 8192)
        )
    }

    /// A realistic standalone container: image, command, env, a port, a health check, labels,
    /// and a placement constraint on every tenth.
    static func container(_ i: Int) -> ContainerSpec {
        let app = "app-\(i % 50)"
        return ContainerSpec(
            name: "c-\(i)",
            template: ContainerTemplate(
                image: "registry.example.com/team/\(app):1.\(i % 7).0",
                command: ["/usr/local/bin/\(app)", "--port", "8080"],
                env: ["LOG_LEVEL": "info", "REGION": "eu-west-1", "WORKER": String(i)],
                resources: Resources(cpu: 100, memory: 128),
                ports: [ContainerPort(name: "http", containerPort: 8080)],
                healthCheck: HealthCheck(http: "/healthz")
            ),
            constraints: i % 10 == 0 ? [Constraint(attribute: .label("zone"), op: .equal(["a", "b", "c"][i % 3]))] : [],
            labels: ["app": app, "tier": "web"]
        )
    }
}
