import BerthControllers
import BerthCore
import BerthStore
import Foundation
import GRDB
import Logging

/// A store on a real SQLite file in a fresh temporary directory, with the built-in networks,
/// and the controllers built on it. Time is whatever `now` the test gives (a `ManualClock` set
/// to it): the wall clock is never read, nothing sleeps.
struct ControllerHarness {
    static let clusterCIDR = "10.88.0.0/16"
    static let serviceCIDR = "10.96.0.0/16"
    static let quiet = Logger(label: "berth.controllers.tests", factory: { _ in SwiftLogNoOpLogHandler() })

    let store: Store
    let directory: URL

    /// Runs `body` against a fresh store, then closes it and removes the directory.
    static func with<T>(_ body: (ControllerHarness) async throws -> T) async throws -> T {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-controllers-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("berth.db").path, clock: ManualClock())
        let harness = ControllerHarness(store: store, directory: directory)
        let result: T
        do {
            _ = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: clusterCIDR, serviceCIDR: serviceCIDR)
            }
            result = try await body(harness)
        } catch {
            try? store.close()
            throw error
        }
        try store.close()
        return result
    }

    // MARK: - Controllers

    func scheduler() -> SchedulerController { SchedulerController(state: ClusterState(store: store), logger: Self.quiet) }

    func services(now: Date) -> ServiceController { ServiceController(state: ClusterState(store: store), logger: Self.quiet, clock: ManualClock(date: now)) }

    func lifecycle(timeout: Duration = .seconds(15), now: Date) -> NodeLifecycleController {
        NodeLifecycleController(state: ClusterState(store: store), timeout: timeout, logger: Self.quiet, clock: ManualClock(date: now))
    }

    func repair() -> IPAMRepairController { IPAMRepairController(store: store, logger: Self.quiet) }

    // MARK: - Writing

    func addNode(_ name: String, address: String, cpu: Int = 4000, memory: Int = 8192, labels: [String: String] = [:]) async throws {
        let spec = NodeSpec(address: address, labels: labels, capacity: Resources(cpu: cpu, memory: memory))
        _ = try await store.write { tx in try NodeRepository.put(tx, name: name, spec: spec).created }
    }

    func putService(_ name: String, _ spec: ServiceSpec) async throws {
        _ = try await store.write { tx in try ServiceRepository.put(tx, name: name, spec: spec).created }
    }

    /// What a node's agent would send.
    func report(_ id: String, _ report: StatusReport) async throws {
        _ = try await store.write { tx in try ContainerRepository.report(tx, id: id, report: report).id }
    }

    func sql(_ statement: String, _ arguments: [(any DatabaseValueConvertible)?] = []) async throws {
        let args = StatementArguments(arguments)
        try await store.write { tx in try tx.db.execute(sql: statement, arguments: args) }
    }

    // MARK: - Reading

    func containers(service: String? = nil) async throws -> [Container] {
        try await store.readDatabase { db in try ContainerRepository.list(db, service: service) }.value
    }

    func nodes() async throws -> [String: Node] {
        let list = try await store.readDatabase { db in try NodeRepository.list(db) }.value
        return Dictionary(uniqueKeysWithValues: list.map { ($0.name, $0) })
    }

    func leases(owner: String? = nil) async throws -> [Lease] {
        try await store.readDatabase { db in try LeaseRepository.list(db, network: "default", owner: owner) }.value
    }

    func targets(_ service: String) async throws -> ServiceTargets {
        try await store.readDatabase { db in try TargetRepository.fetch(db, service: service) }.value
    }

    /// One service pass then one scheduler pass, as the loops would run them.
    @discardableResult
    func reconcile(now: Date) async throws -> Int {
        _ = try await services(now: now).pass()
        return try await scheduler().pass()
    }

    /// Reports every placed, wanted, not yet running container as running and healthy.
    func startAll() async throws {
        for container in try await containers() where container.node != nil && container.desiredState == .running
            && (container.state == .scheduled || container.state == .starting) {
            try await report(container.id, StatusReport(state: .running, healthy: true))
        }
    }
}
