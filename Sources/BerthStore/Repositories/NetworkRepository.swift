import BerthCore
import GRDB

/// Address pools: the `default` network for nodes and containers, `services` for VIPs.
public enum NetworkRepository {
    public static func fetch(_ db: Database, _ name: String) throws -> Network? {
        try NetworkRecord.fetchOne(db.cachedStatement(sql: "SELECT * FROM networks WHERE name = ?"), arguments: [name])?.network
    }

    static func require(_ db: Database, _ name: String) throws -> Network {
        guard let network = try fetch(db, name) else { throw BerthError.notFound(kind: .network, name: name) }
        return network
    }

    /// Networks by name; a page after `after` when given.
    public static func list(_ db: Database, after: String? = nil, limit: Int? = nil) throws -> [Network] {
        try NetworkRecord.fetchAll(
            db.cachedStatement(sql: "SELECT * FROM networks WHERE name > ? ORDER BY name LIMIT ?"), arguments: [after ?? "", limit ?? -1]
        ).map(\.network)
    }

    /// Creates or updates a network. Moving a network that has leases, or overlapping another
    /// network, is a conflict: addresses already handed out would stop making sense.
    public static func put(_ tx: WriteTransaction, name: String, spec: NetworkSpec, cas: UInt64? = nil) throws -> (Network, created: Bool) {
        try Rules.name(name)
        let cidr = try spec.validate()
        let existing = try fetch(tx.db, name)
        try CAS.check(cas, kind: .network, name: name, current: existing?.modifyIndex)
        for other in try list(tx.db) where other.name != name {
            if let otherCIDR = CIDR(other.subnet), otherCIDR.overlaps(cidr) {
                throw BerthError.conflict("subnet \(cidr) overlaps network \(other.name) (\(other.subnet))")
            }
        }
        if let existing {
            if existing.subnet == cidr.description && existing.nodePrefix == spec.nodePrefix { return (existing, false) }
            let leases = try tx.db.value(Int.self, sql: "SELECT COUNT(*) FROM leases WHERE network = ?", arguments: [name]) ?? 0
            if leases > 0 {
                throw BerthError.conflict("network \(name) has \(leases) leases; its subnet and nodePrefix cannot change while they exist")
            }
        }
        let purpose: NetworkPurpose = name == Network.servicesName ? .services : .containers
        let network = Network(
            name: name, subnet: cidr.description, nodePrefix: spec.nodePrefix, purpose: purpose,
            createIndex: existing?.createIndex ?? tx.index, modifyIndex: tx.index
        )
        try NetworkRecord(network).save(tx.db)
        try tx.record(.network, name, existing == nil ? .created : .updated, network)
        return (network, existing == nil)
    }

    /// Creates the built-in networks from the server's flags on first start; an existing one
    /// is left as it is (the database is the truth) and returned so the caller can warn.
    public static func ensureBuiltIn(_ tx: WriteTransaction, clusterCIDR: String, serviceCIDR: String) throws -> [Network] {
        var out: [Network] = []
        for (name, subnet) in [(Network.defaultName, clusterCIDR), (Network.servicesName, serviceCIDR)] {
            if let existing = try fetch(tx.db, name) {
                out.append(existing)
            } else {
                // /24 node subnets, or the whole network when it is smaller than that.
                let nodePrefix = max(24, CIDR(subnet)?.prefix ?? 24)
                out.append(try put(tx, name: name, spec: NetworkSpec(subnet: subnet, nodePrefix: nodePrefix)).0)
            }
        }
        return out
    }
}
