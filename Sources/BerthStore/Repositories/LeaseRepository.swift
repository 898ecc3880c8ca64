import BerthCore
import GRDB

/// IP address management: node subnets, container addresses and service VIPs as lease rows.
///
/// Allocation reads the leases in the target range and takes the lowest free one inside the
/// write transaction; the `(network, ip)` primary key makes a double lease impossible even if
/// two writers raced, which the single-writer store already rules out.
public enum LeaseRepository {
    public static func list(_ db: Database, network: String? = nil, node: String? = nil, owner: String? = nil) throws -> [Lease] {
        try list(db, LeaseFilter(network: network, node: node, owner: owner), after: nil, limit: nil)
    }

    /// Leases by network, age and address; a page after `cursor` when given.
    static func list(_ db: Database, _ filter: LeaseFilter, after cursor: ListCursor?, limit: Int?) throws -> [Lease] {
        var clauses: [String] = []
        var arguments: StatementArguments = []
        if let network = filter.network { clauses.append("network = ?"); arguments += [network] }
        if let node = filter.node { clauses.append("node = ?"); arguments += [node] }
        if let owner = filter.owner { clauses.append("owner = ?"); arguments += [owner] }
        if let cursor {
            let fields = cursor.fields
            guard fields.count == 3, let index = Int64(fields[1]) else {
                throw BerthError.invalidArgument(field: "next", message: "is not a continuation token of a lease list")
            }
            clauses.append("(network, create_index, ip) > (?, ?, ?)")
            arguments += [fields[0], index, fields[2]]
        }
        let where_ = clauses.isEmpty ? "" : " WHERE " + clauses.joined(separator: " AND ")
        arguments += [limit ?? -1]
        return try LeaseRecord.fetchAll(db, sql: "SELECT * FROM leases\(where_) ORDER BY network, create_index, ip LIMIT ?", arguments: arguments)
            .map(\.lease)
    }

    /// Leases a free `nodePrefix` subnet of the `default` network to a node: the next in order
    /// while none was given back, else the lowest one given back.
    static func leaseNodeSubnet(_ tx: WriteTransaction, node: String) throws -> String {
        let network = try NetworkRepository.require(tx.db, Network.defaultName)
        guard let cidr = CIDR(network.subnet) else { throw BerthError.conflict("network default has an invalid subnet") }
        let count = cidr.subnetCount(prefix: network.nodePrefix)
        // Subnets are handed out in order, so with n node leases the n-th subnet is usually
        // free: take it after a count and one lookup, without reading every node's lease.
        let held = try tx.db.value(
            Int.self, sql: "SELECT COUNT(*) FROM leases WHERE owner_kind = 'node' AND +network = ?", arguments: [network.name]
        ) ?? 0
        if held < count, let next = cidr.subnet(held, prefix: network.nodePrefix),
           try tx.db.value(Int.self, sql: "SELECT 1 FROM leases WHERE network = ? AND ip = ?", arguments: [network.name, next.description]) == nil {
            try insert(tx, Lease(network: network.name, ip: next.description, ownerKind: .node, owner: node, node: node))
            return next.description
        }
        // Otherwise (a deleted node left a gap) the lowest free one. Node leases only (`+network`
        // keeps SQLite off the primary key, which would walk every container address too),
        // compared as numbers.
        let taken = Set(try tx.db.values(
            String.self, sql: "SELECT ip FROM leases WHERE owner_kind = 'node' AND +network = ?", arguments: [network.name]
        ).compactMap { CIDR($0)?.network.value })
        for i in 0..<count {
            let subnet = cidr.subnet(i, prefix: network.nodePrefix)!
            if !taken.contains(subnet.network.value) {
                try insert(tx, Lease(network: network.name, ip: subnet.description, ownerKind: .node, owner: node, node: node))
                return subnet.description
            }
        }
        throw BerthError.conflict(
            "network \(network.name) (\(network.subnet)) has no free /\(network.nodePrefix) subnet left: all \(count) are leased"
        )
    }

    /// Leases a virtual IP from the `services` network to a service.
    static func leaseServiceVIP(_ tx: WriteTransaction, service: String) throws -> String {
        let network = try NetworkRepository.require(tx.db, Network.servicesName)
        guard let cidr = CIDR(network.subnet) else { throw BerthError.conflict("network services has an invalid subnet") }
        let used = Set(try tx.db.values(String.self, sql: "SELECT ip FROM leases WHERE network = ?", arguments: [network.name])
            .compactMap { IPv4Address($0)?.value })
        guard let ip = cidr.firstFree(excluding: used, reserveGateway: false) else {
            throw BerthError.conflict("network services (\(network.subnet)) has no free address left for a service VIP")
        }
        try insert(tx, Lease(network: network.name, ip: ip.description, ownerKind: .service, owner: service, node: nil))
        return ip.description
    }

    /// Leases an address from a node's subnet to a container placed there.
    public static func leaseContainerIP(_ tx: WriteTransaction, container: String, node: String, subnet: String) throws -> String {
        guard let cidr = CIDR(subnet) else { throw BerthError.conflict("node \(node) has an invalid subnet \(subnet)") }
        let used = Set(try String.fetchAll(
            tx.db, sql: "SELECT ip FROM leases WHERE network = ? AND node = ? AND owner_kind = 'container'",
            arguments: [Network.defaultName, node]
        ).compactMap { IPv4Address($0)?.value })
        guard let ip = cidr.firstFree(excluding: used, reserveGateway: true) else {
            throw BerthError.conflict("node \(node) has no free address left in its subnet \(subnet)")
        }
        try insert(tx, Lease(network: Network.defaultName, ip: ip.description, ownerKind: .container, owner: container, node: node))
        return ip.description
    }

    /// Releases whatever `owner` holds; returns how many leases were released.
    @discardableResult
    static func release(_ tx: WriteTransaction, ownerKind: LeaseOwnerKind, owner: String) throws -> Int {
        let leases = try LeaseRecord.fetchAll(
            tx.db, sql: "SELECT * FROM leases WHERE owner_kind = ? AND owner = ?", arguments: [ownerKind.rawValue, owner]
        )
        for record in leases {
            try tx.db.executeCached(sql: "DELETE FROM leases WHERE network = ? AND ip = ?", arguments: [record.lease.network, record.lease.ip])
            try tx.record(.lease, record.lease.eventName, .deleted, record.lease)
        }
        return leases.count
    }

    private static func insert(_ tx: WriteTransaction, _ lease: Lease) throws {
        var lease = lease
        lease.createIndex = tx.index
        try LeaseRecord(lease).insert(tx.db)
        try tx.record(.lease, lease.eventName, .created, lease)
    }
}
