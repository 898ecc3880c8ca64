import BerthCore
import Foundation
import GRDB

/// A row of `nodes`: read through GRDB, written with `insertRow` and `updateRow`.
struct NodeRecord: Sendable, FetchableRecord {
    var node: Node

    init(_ node: Node) { self.node = node }

    init(row: Row) throws {
        node = Node(
            name: row["name"], address: row["address"],
            labels: try JSONColumn.decodeStringMap(row["labels"]),
            capacity: Resources(cpu: row["cpu"], memory: row["memory"]),
            allocated: Resources(cpu: row["allocated_cpu"], memory: row["allocated_memory"]),
            availability: Availability(rawValue: row["availability"]) ?? .active,
            status: NodeStatus(rawValue: row["status"]) ?? .down,
            subnet: row["subnet"],
            lastHeartbeat: (row["last_heartbeat"] as Double?).map(Date.init(timeIntervalSince1970:)),
            createIndex: row["create_index"], modifyIndex: row["modify_index"]
        )
    }

    /// Inserts the row with one cached statement: the record protocol's generic path cost
    /// about a tenth of a node PUT. Allocation columns start at 0; triggers own them.
    func insertRow(_ db: Database) throws {
        try db.executeCached(sql: """
            INSERT INTO nodes (name, address, labels, cpu, memory, availability, status, subnet, last_heartbeat, create_index, modify_index)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                node.name, node.address, try JSONColumn.encodeStringMap(node.labels), node.capacity.cpu, node.capacity.memory,
                node.availability.rawValue, node.status.rawValue, node.subnet, node.lastHeartbeat?.timeIntervalSince1970,
                node.createIndex, node.modifyIndex,
            ])
    }

    /// Updates everything but the name, the create index and the allocation (triggers own it).
    func updateRow(_ db: Database) throws {
        try db.executeCached(sql: """
            UPDATE nodes SET address = ?, labels = ?, cpu = ?, memory = ?, availability = ?, status = ?, subnet = ?,
                last_heartbeat = ?, modify_index = ?
            WHERE name = ?
            """, arguments: [
                node.address, try JSONColumn.encodeStringMap(node.labels), node.capacity.cpu, node.capacity.memory,
                node.availability.rawValue, node.status.rawValue, node.subnet, node.lastHeartbeat?.timeIntervalSince1970,
                node.modifyIndex, node.name,
            ])
    }
}
