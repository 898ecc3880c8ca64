import BerthCore
import Foundation
import GRDB

/// A row of `nodes`: read through GRDB, written with `insertRow` and `updateRow`.
struct NodeRecord: Sendable, FetchableRecord {
    var node: Node

    init(_ node: Node) { self.node = node }

    /// The columns `init(row:)` reads, by position: select exactly `Columns.selection`.
    enum Columns: Int, RowColumns {
        case name, address, labels, cpu, memory, allocatedCpu, allocatedMemory, availability, status, subnet
        case lastHeartbeat, createIndex, modifyIndex, vtepMac
    }

    static let columns = Columns.selection

    init(row: Row) throws {
        node = Node(
            name: row[Columns.name], address: row[Columns.address],
            labels: try JSONColumn.decodeStringMap(row[Columns.labels]),
            capacity: Resources(cpu: row[Columns.cpu], memory: row[Columns.memory]),
            allocated: Resources(cpu: row[Columns.allocatedCpu], memory: row[Columns.allocatedMemory]),
            availability: Availability(rawValue: row[Columns.availability]) ?? .active,
            status: NodeStatus(rawValue: row[Columns.status]) ?? .down,
            subnet: row[Columns.subnet],
            lastHeartbeat: (row[Columns.lastHeartbeat] as Double?).map(Date.init(timeIntervalSince1970:)),
            vtepMAC: row[Columns.vtepMac],
            createIndex: row[Columns.createIndex], modifyIndex: row[Columns.modifyIndex]
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
