import BerthCore
import Foundation
import GRDB
@testable import BerthStore

enum Fixtures {
    static func nodeSpec(address: String = "10.0.0.1", labels: [String: String] = [:], cpu: Int = 4000, memory: Int = 8192) -> NodeSpec {
        NodeSpec(address: address, labels: labels, capacity: Resources(cpu: cpu, memory: memory))
    }

    static func serviceSpec(image: String = "nginx:1.27", replicas: Int = 1) -> ServiceSpec {
        ServiceSpec(replicas: replicas, template: ContainerTemplate(image: image, ports: [ContainerPort(name: "http", containerPort: 80)]))
    }

    static func containerSpec(name: String? = nil) -> ContainerSpec {
        ContainerSpec(name: name, template: ContainerTemplate(image: "redis:7"))
    }
}

struct Boom: Error, Equatable {}

/// One stored event row, seq included, for checks on the raw log.
struct EventRow: Sendable, Equatable {
    var seq: Int64
    var index: UInt64
    var kind: String
    var name: String
    var op: String
}

extension Store {
    /// The manual clock every test store runs on (see `TempDatabase.open`).
    var manualClock: ManualClock { clock as! ManualClock }

    func registerNode(_ name: String, spec: NodeSpec = Fixtures.nodeSpec(), cas: UInt64? = nil) async throws -> Node {
        try await write { tx in try NodeRepository.put(tx, name: name, spec: spec, cas: cas).0 }
    }

    func createService(_ name: String, spec: ServiceSpec = Fixtures.serviceSpec(), cas: UInt64? = nil) async throws -> Service {
        try await write { tx in try ServiceRepository.put(tx, name: name, spec: spec, cas: cas).0 }
    }

    /// The cluster's change index as stored.
    func currentIndex() async throws -> UInt64 {
        try await readDatabase { db in try ChangeLog.current(db) }.value
    }

    func compactedThrough() async throws -> UInt64 {
        try await readDatabase { db in try ChangeLog.compactedThrough(db) }.value
    }

    func rowCount(_ table: String) async throws -> Int {
        try await readDatabase { db in try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM \(table)") ?? -1 }.value
    }

    func eventRows() async throws -> [EventRow] {
        try await readDatabase { db in
            try Row.fetchAll(db, sql: "SELECT seq, change_index, kind, name, op FROM events ORDER BY seq").map {
                EventRow(seq: $0["seq"], index: $0["change_index"], kind: $0["kind"], name: $0["name"], op: $0["op"])
            }
        }.value
    }

    func node(_ name: String) async throws -> Node? {
        try await readDatabase { db in try NodeRepository.fetch(db, name) }.value
    }

    func leases(owner: String? = nil) async throws -> [Lease] {
        try await readDatabase { db in try LeaseRepository.list(db, owner: owner) }.value
    }
}
