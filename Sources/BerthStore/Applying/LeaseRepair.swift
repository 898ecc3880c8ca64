import BerthCore
import GRDB

/// IPAM's periodic repair pass, after Kubernetes' ClusterIP repair: releases leases whose owner
/// is gone or has ended, gives subnets to nodes that lack one, and reports what it found.
public enum LeaseRepair {
    /// Returns one line per inconsistency found (and mended where it can be).
    public static func repair(_ tx: WriteTransaction) throws -> [String] {
        var findings: [String] = []
        let leaked = try tx.db.rows(sql: """
            SELECT l.network, l.ip, l.owner_kind, l.owner FROM leases l
            WHERE (l.owner_kind = 'container' AND NOT EXISTS (
                      SELECT 1 FROM containers c WHERE c.id = l.owner AND c.ip = l.ip AND c.node IS l.node
                      AND c.state NOT IN ('exited', 'failed', 'lost')))
               OR (l.owner_kind = 'node' AND NOT EXISTS (SELECT 1 FROM nodes n WHERE n.name = l.owner AND n.subnet = l.ip))
               OR (l.owner_kind = 'service' AND NOT EXISTS (SELECT 1 FROM services s WHERE s.name = l.owner AND s.vip = l.ip))
            """)
        for row in leaked {
            let kind = LeaseOwnerKind(rawValue: row["owner_kind"]) ?? .container
            let owner: String = row["owner"]
            let ip: String = row["ip"]
            findings.append("released leaked lease \(row["network"] as String)/\(ip) of \(kind.rawValue) \(owner)")
            if let record = try LeaseRecord.fetchOne(tx.db, sql: "SELECT * FROM leases WHERE network = ? AND ip = ?", arguments: [row["network"] as String, ip]) {
                try tx.db.executeCached(sql: "DELETE FROM leases WHERE network = ? AND ip = ?", arguments: [record.lease.network, ip])
                try tx.record(.lease, record.lease.eventName, .deleted, record.lease)
            }
        }
        let unleased = try tx.db.values(String.self, sql: """
            SELECT c.id FROM containers c WHERE c.ip IS NOT NULL AND NOT EXISTS (
                SELECT 1 FROM leases l WHERE l.owner_kind = 'container' AND l.owner = c.id AND l.ip = c.ip)
            """)
        for id in unleased {
            findings.append("container \(id) holds an address without a lease; it is cleared")
            if var container = try ContainerRepository.fetch(tx.db, id) {
                container.ip = nil
                try ContainerRepository.update(tx, container)
            }
        }
        for name in try tx.db.values(String.self, sql: "SELECT name FROM nodes WHERE subnet IS NULL") {
            guard var node = try NodeRepository.fetch(tx.db, name) else { continue }
            do {
                node.subnet = try LeaseRepository.leaseNodeSubnet(tx, node: name)
                node.modifyIndex = tx.index
                try NodeRecord(node).updateRow(tx.db)
                try tx.record(.node, name, .updated, node)
                findings.append("node \(name) had no subnet; leased \(node.subnet!)")
            } catch let error as BerthError {
                findings.append("node \(name) has no subnet: \(error.message)")
            }
        }
        return findings
    }
}
