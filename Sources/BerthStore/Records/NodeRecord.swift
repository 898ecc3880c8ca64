import BerthCore
import Foundation
import GRDB

/// A row of `nodes`: read through GRDB, written with `insertRow` and `updateRow`.
struct NodeRecord: Sendable, FetchableRecord {
    var node: Node

    init(_ node: Node) { self.node = node }

    /// The columns `init(row:)` reads, in its order: select exactly these. Positions rather
    /// than names, because looking columns up by name was a tenth of a node PUT.
    static let columns = """
        name, address, labels, cpu, memory, allocated_cpu, allocated_memory, availability, status, subnet, \
        last_heartbeat, create_index, modify_index, vtep_mac
        """

    init(row: Row) throws {
        node = Node(
            name: row[0], address: row[1],
            labels: try JSONColumn.decodeStringMap(row[2]),
            capacity: Resources(cpu: row[3], memory: row[4]),
            allocated: Resources(cpu: row[5], memory: row[6]),
            availability: Availability(rawValue: row[7]) ?? .active,
            status: NodeStatus(rawValue: row[8]) ?? .down,
            subnet: row[9],
            lastHeartbeat: (row[10] as Double?).map(Date.init(timeIntervalSince1970:)),
            vtepMAC: row[13],
            createIndex: row[11], modifyIndex: row[12]
        )
    }

    /// Inserts the row with one cached statement: the record protocol's generic path cost
    /// about a tenth of a node PUT. Allocation columns start at 0; triggers own them.
    func insertRow(_ db: Database) throws {
        try db.executeCached(sql: """
            INSERT INTO nodes (name, address, labels, cpu, memory, availability, status, subnet, last_heartbeat, vtep_mac,
                create_index, modify_index)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [
                node.name, node.address, JSONText.stringMap(node.labels), node.capacity.cpu, node.capacity.memory,
                node.availability.rawValue, node.status.rawValue, node.subnet, node.lastHeartbeat?.timeIntervalSince1970,
                node.vtepMAC, node.createIndex, node.modifyIndex,
            ])
    }

    /// Updates everything but the name, the create index and the allocation (triggers own it).
    func updateRow(_ db: Database) throws {
        try db.executeCached(sql: """
            UPDATE nodes SET address = ?, labels = ?, cpu = ?, memory = ?, availability = ?, status = ?, subnet = ?,
                last_heartbeat = ?, vtep_mac = ?, modify_index = ?
            WHERE name = ?
            """, arguments: [
                node.address, JSONText.stringMap(node.labels), node.capacity.cpu, node.capacity.memory,
                node.availability.rawValue, node.status.rawValue, node.subnet, node.lastHeartbeat?.timeIntervalSince1970,
                node.vtepMAC, node.modifyIndex, node.name,
            ])
    }
}
