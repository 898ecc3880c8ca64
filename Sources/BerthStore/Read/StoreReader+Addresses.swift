import BerthCore
import GRDB

/// A container's name and address, without the rest of it: what name lookups (the DNS zone)
/// keep for every container, read without rendering or decoding any JSON.
public struct ContainerAddress: Sendable, Hashable {
    public var id: String
    public var name: String?
    /// Nil while the container holds no address (pending, or finished).
    public var ip: String?

    public init(id: String, name: String?, ip: String?) {
        self.id = id
        self.name = name
        self.ip = ip
    }
}

/// Bulk reads for caches that mirror the whole cluster (the DNS zone loads them once, then
/// re-reads what each commit changed, by key).
extension StoreReader {
    /// Every container that holds an address.
    public func containerAddresses() throws -> [ContainerAddress] {
        try db.rows(sql: "SELECT id, name, ip FROM containers WHERE ip IS NOT NULL").map {
            ContainerAddress(id: $0[0], name: $0[1], ip: $0[2])
        }
    }

    /// The containers among `ids` that exist (with or without an address); a missing id is a
    /// container that is gone.
    public func containerAddresses(ids: some Collection<String>) throws -> [ContainerAddress] {
        var found: [ContainerAddress] = []
        let ids = Array(ids)
        // SQLite binds at most 32,766 variables; a placement pass may change 100,000 containers.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let chunk = Array(ids[start..<min(start + 500, ids.count)])
            let marks = chunk.map { _ in "?" }.joined(separator: ",")
            found += try db.rows(sql: "SELECT id, name, ip FROM containers WHERE id IN (\(marks))", arguments: StatementArguments(chunk))
                .map { ContainerAddress(id: $0[0], name: $0[1], ip: $0[2]) }
        }
        return found
    }

    /// Every service's stored targets, by service, in the order `targets(service:)` gives.
    public func allTargets() throws -> [String: [ServiceTargets.Target]] {
        typealias C = TargetColumns
        var targets: [String: [ServiceTargets.Target]] = [:]
        let rows = try Row.fetchCursor(db, sql: """
            SELECT \(C.selection) FROM service_targets ORDER BY service, container, port
            """)
        while let row = try rows.next() {
            targets[row[C.service], default: []].append(ServiceTargets.Target(
                container: row[C.container], node: row[C.node], ip: row[C.ip], port: row[C.port],
                hostAddress: row[C.hostAddress], hostPort: row[C.hostPort]
            ))
        }
        return targets
    }
}

/// What `allTargets` selects of each `service_targets` row, by position.
private enum TargetColumns: Int, RowColumns {
    case service, container, node, ip, port, hostAddress, hostPort
}
