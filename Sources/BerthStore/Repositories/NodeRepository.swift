import BerthCore
import Foundation
import GRDB

/// Nodes: registration, heartbeats, removal.
public enum NodeRepository {
    public static func fetch(_ db: Database, _ name: String) throws -> Node? {
        try NodeRecord.fetchOne(db.cachedStatement(sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE name = ?"), arguments: [name])?.node
    }

    /// Nodes by name; a page after `after` when given.
    public static func list(_ db: Database, after: String? = nil, limit: Int? = nil) throws -> [Node] {
        try NodeRecord.fetchAll(
            db.cachedStatement(sql: "SELECT \(NodeRecord.columns) FROM nodes WHERE name > ? ORDER BY name LIMIT ?"),
            arguments: [after ?? "", limit ?? -1]
        ).map(\.node)
    }

    static func require(_ db: Database, _ name: String) throws -> Node {
        guard let node = try fetch(db, name) else { throw BerthError.notFound(kind: .node, name: name) }
        return node
    }

    /// Registers a node (leasing it a subnet) or replaces its spec, keeping what the server owns.
    public static func put(_ tx: WriteTransaction, name: String, spec: NodeSpec, cas: UInt64? = nil) throws -> (Node, created: Bool) {
        try Rules.name(name)
        try spec.validate()
        let existing = try fetch(tx.db, name)
        try CAS.check(cas, kind: .node, name: name, current: existing?.modifyIndex)
        // Only a new or moved address: the network side keeps unchanged ones apart (and a
        // heartbeat-rate re-registration stays one row read).
        if existing?.address != spec.address { try UnderlayOverlap.checkNodeAddress(tx.db, spec.address) }
        var node: Node
        if let existing {
            node = existing
            node.address = spec.address
            node.labels = spec.labels
            node.capacity = spec.capacity
            node.availability = spec.availability
            if let vtepMAC = spec.vtepMAC { node.vtepMAC = vtepMAC }
            if node == existing { return (existing, false) }
        } else {
            let subnet = try LeaseRepository.leaseNodeSubnet(tx, node: name)
            // Registration is a sign of life: the node starts ready.
            node = Node(
                name: name, address: spec.address, labels: spec.labels, capacity: spec.capacity,
                availability: spec.availability, status: .ready, subnet: subnet, lastHeartbeat: tx.now,
                vtepMAC: spec.vtepMAC, createIndex: tx.index
            )
        }
        node.modifyIndex = tx.index
        if existing == nil { try NodeRecord(node).insertRow(tx.db) } else { try NodeRecord(node).updateRow(tx.db) }
        try tx.record(.node, name, existing == nil ? .created : .updated, node)
        if let existing, existing.address != node.address { try TargetRepository.refresh(tx, servicesOnNode: name) }
        return (node, existing == nil)
    }

    /// Records a heartbeat: the node is ready and `lastHeartbeat` is now.
    public static func heartbeat(_ tx: WriteTransaction, name: String) throws -> Node {
        var node = try require(tx.db, name)
        node.status = .ready
        node.lastHeartbeat = tx.now
        node.modifyIndex = tx.index
        try NodeRecord(node).updateRow(tx.db)
        try tx.record(.node, name, .updated, node)
        return node
    }

    /// Removes a node: its subnet and its containers' addresses are released and the
    /// containers it ran become `lost`, so their services replace them elsewhere.
    public static func delete(_ tx: WriteTransaction, name: String, cas: UInt64? = nil) throws -> Node {
        guard let node = try fetch(tx.db, name) else { throw BerthError.notFound(kind: .node, name: name) }
        try CAS.check(cas, kind: .node, name: name, current: node.modifyIndex)
        for container in try ContainerRepository.list(tx.db, node: name) {
            var lost = container
            lost.node = nil
            if !container.state.isTerminal {
                lost.state = .lost
                lost.reason = "node \(name) was removed"
            }
            try ContainerRepository.update(tx, lost)
        }
        try LeaseRepository.release(tx, ownerKind: .node, owner: name)
        try tx.db.executeCached(sql: "DELETE FROM nodes WHERE name = ?", arguments: [name])
        try tx.record(.node, name, .deleted, node)
        return node
    }
}
