import BerthControllers
import BerthCore
import BerthDNS
import BerthDNSWire
import BerthStore
import BerthTesting
import Foundation
import Logging

/// A real store (SQLite in WAL mode in a temporary folder) with a zone updater following it, and
/// the writes the tests make, through the same repositories and controller passes the server uses.
final class StoreCluster: Sendable {
    let folder: TemporaryFolder
    let store: Store
    let updater: DNSZoneUpdater
    let logger: Logger

    init() async throws {
        folder = try TemporaryFolder(prefix: "berth-dns")
        var logger = Logger(label: "berth.dns.test")
        logger.logLevel = .critical
        self.logger = logger
        store = try Store(path: folder.file("berth.db"), logger: logger)
        _ = try await store.write { tx in try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/16") }
        let zone = ZoneFixture.zone
        updater = DNSZoneUpdater(store: store, zone: zone, table: DNSAnswerTable(soa: zone.config.soa(serial: 0)), logger: logger)
    }

    func close() {
        try? store.close()
        folder.remove()
    }

    static func with(_ body: (StoreCluster) async throws -> Void) async throws {
        let cluster = try await StoreCluster()
        defer { cluster.close() }
        try await body(cluster)
    }

    func node(_ name: String, address: String) async throws {
        _ = try await store.write { tx in
            try NodeRepository.put(tx, name: name, spec: NodeSpec(address: address, capacity: Resources(cpu: 100_000, memory: 100_000)))
        }
    }

    func service(_ name: String, replicas: Int, mode: EndpointMode = .vip, health: Bool = false) async throws {
        let template = ContainerTemplate(
            image: "app:1", resources: Resources(cpu: 10, memory: 10),
            ports: [ContainerPort(name: "http", containerPort: 8080), ContainerPort(name: "admin", containerPort: 9000)],
            healthCheck: health ? HealthCheck(http: "/") : nil
        )
        let spec = ServiceSpec(replicas: replicas, template: template, endpointMode: mode)
        _ = try await store.write { tx in try ServiceRepository.put(tx, name: name, spec: spec) }
    }

    /// The service controller makes replicas, the scheduler places them (with their IPs).
    func reconcile() async throws {
        let state = ClusterState(store: store)
        _ = try await ServiceController(state: state, logger: logger).pass()
        _ = try await SchedulerController(state: state, logger: logger).pass()
    }

    func report(_ id: String, _ state: StatusReport.ReportedState, healthy: Bool? = nil) async throws {
        _ = try await store.write { tx in try ContainerRepository.report(tx, id: id, report: StatusReport(state: state, healthy: healthy)) }
    }

    func containers(service: String? = nil) async throws -> [Container] {
        try await store.readDatabase { db in try ContainerRepository.list(db, service: service) }.value
    }

    /// Every placed container of the service reported running (and healthy).
    func run(service: String) async throws {
        for container in try await containers(service: service) where container.node != nil && container.state != .running {
            try await report(container.id, .running, healthy: true)
        }
    }
}
