import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Logging

/// The cluster the DNS benchmark asks about, built in-process before any server opens it (as
/// `BackupFixture` builds its database): services with running replicas, each replica
/// reported running through `ContainerRepository.report` as its agent would, so every service
/// has its targets. Plus one small `dnsrr` service, `fresh`, whose replicas the freshness
/// measurement turns unhealthy and healthy again.
enum DNSFixture {
    struct Built {
        var seconds: Double
        var services: [ServiceTargets]
        /// Every container's id and address.
        var containers: [(id: String, ip: String)]
        /// The ids of `fresh`'s replicas.
        var fresh: [String]
    }

    static let clusterCIDR = "10.0.0.0/8"
    static let serviceCIDR = "172.16.0.0/16"

    static func build(path: String, nodes: Int, services: Int, replicas: Int) async throws -> Built {
        let start = ContinuousClock.now
        var options = StoreOptions()
        options.exclusive = false
        options.eventRetention = 10_000_000
        var logger = Logger(label: "berth-bench.dns")
        logger.logLevel = .warning
        let store = try Store(path: path, options: options, logger: logger)
        defer { try? store.close() }
        _ = try await store.write { tx in try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCIDR, serviceCIDR: serviceCIDR) }
        for first in stride(from: 0, to: nodes, by: 1000) {
            _ = try await store.write { tx in
                for i in first..<min(first + 1000, nodes) {
                    let spec = NodeSpec(address: "198.18.\(i / 250).\(i % 250 + 1)", capacity: Resources(cpu: 1_000_000, memory: 1_000_000))
                    _ = try NodeRepository.put(tx, name: "node-\(i)", spec: spec)
                }
            }
        }
        let template = ContainerTemplate(image: "app:1", resources: Resources(cpu: 10, memory: 10), ports: [ContainerPort(name: "http", containerPort: 8080)])
        for first in stride(from: 0, to: services, by: 1000) {
            _ = try await store.write { tx in
                for i in first..<min(first + 1000, services) {
                    _ = try ServiceRepository.put(tx, name: "svc-\(i)", spec: ServiceSpec(replicas: replicas, template: template))
                }
            }
        }
        _ = try await store.write { tx in
            try ServiceRepository.put(tx, name: "fresh", spec: ServiceSpec(replicas: 3, template: template, endpointMode: .dnsrr))
        }
        let created = ContinuousClock.now
        let state = ClusterState(store: store)
        _ = try await ServiceController(state: state, logger: logger).pass()
        _ = try await SchedulerController(state: state, logger: logger).pass()
        let scheduled = ContinuousClock.now
        say("    services and nodes \(Format.seconds((created - start) / .seconds(1))) s, replicas made and placed \(Format.seconds((scheduled - created) / .seconds(1))) s")
        let placed = try await store.read { reader in try reader.containerAddresses().map(\.id) }.value
        for first in stride(from: 0, to: placed.count, by: 1000) {
            let chunk = Array(placed[first..<min(first + 1000, placed.count)])
            _ = try await store.write { tx in
                for id in chunk { _ = try ContainerRepository.report(tx, id: id, report: StatusReport(state: .running, healthy: true)) }
            }
        }
        say("    \(placed.count) replicas reported running \(Format.seconds((ContinuousClock.now - scheduled) / .seconds(1))) s")
        var result = try await read(store)
        result.seconds = (ContinuousClock.now - start) / .seconds(1)
        return result
    }

    /// What a database built earlier holds (`--database` reuses one).
    static func load(path: String) async throws -> Built {
        var options = StoreOptions()
        options.exclusive = false
        var logger = Logger(label: "berth-bench.dns")
        logger.logLevel = .warning
        let store = try Store(path: path, options: options, logger: logger)
        defer { try? store.close() }
        return try await read(store)
    }

    private static func read(_ store: Store) async throws -> Built {
        try await store.read { reader -> Built in
            let targets = try reader.allTargets()
            let services = try reader.services(after: nil, limit: Int.max).map { service in
                ServiceTargets(service: service.name, vip: service.vip, ports: service.spec.ports, loadBalancer: service.spec.loadBalancer,
                               targets: targets[service.name] ?? [])
            }
            let containers = try reader.containerAddresses().compactMap { container in container.ip.map { (id: container.id, ip: $0) } }
            return Built(seconds: 0, services: services, containers: containers, fresh: (targets["fresh"] ?? []).map(\.container))
        }.value
    }
}
