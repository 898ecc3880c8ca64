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
    /// network, is a conflict: addresses already handed out would stop making sense. So is a
    /// subnet holding a node's own address (see `UnderlayOverlap`), and a VXLAN network identifier
    /// another VXLAN container network already uses (a node cannot have two devices on one VNI).
    /// The backend and VNI may change while the network is in use: agents re-plan.
    public static func put(_ tx: WriteTransaction, name: String, spec: NetworkSpec, cas: UInt64? = nil) throws -> (Network, created: Bool) {
        try Rules.name(name)
        let cidr = try spec.validate()
        let existing = try fetch(tx.db, name)
        try CAS.check(cas, kind: .network, name: name, current: existing?.modifyIndex)
        let purpose: NetworkPurpose = name == Network.servicesName ? .services : .containers
        let others = try list(tx.db).filter { $0.name != name }
        for other in others {
            if let otherCIDR = CIDR(other.subnet), otherCIDR.overlaps(cidr) {
                throw BerthError.conflict("subnet \(cidr) overlaps network \(other.name) (\(other.subnet))")
            }
        }
        let moved = existing.map { $0.subnet != cidr.description || $0.nodePrefix != spec.nodePrefix } ?? true
        if let existing {
            if !moved && existing.backend == spec.backend && existing.vni == spec.vni { return (existing, false) }
            if moved {
                let leases = try tx.db.value(Int.self, sql: "SELECT COUNT(*) FROM leases WHERE network = ?", arguments: [name]) ?? 0
                if leases > 0 {
                    throw BerthError.conflict("network \(name) has \(leases) leases; its subnet and nodePrefix cannot change while they exist")
                }
            }
        }
        // The schema holds this too (a unique index); checked first to name the other network.
        if purpose == .containers, spec.backend == .vxlan,
           let other = others.first(where: { $0.purpose == .containers && $0.backend == .vxlan && $0.vni == spec.vni }) {
            throw BerthError.conflict("vni \(spec.vni) is already used by network \(other.name); give this network another vni")
        }
        if existing?.subnet != cidr.description { try UnderlayOverlap.checkNetworkSubnet(tx.db, network: name, cidr) }
        let network = Network(
            name: name, subnet: cidr.description, nodePrefix: spec.nodePrefix, purpose: purpose, backend: spec.backend, vni: spec.vni,
            createIndex: existing?.createIndex ?? tx.index, modifyIndex: tx.index
        )
        try NetworkRecord(network).save(tx.db)
        try tx.record(.network, name, existing == nil ? .created : .updated, network)
        return (network, existing == nil)
    }

    /// Creates the built-in networks from the server's flags on first start; an existing one
    /// is left as it is (the database is the truth) and returned so the caller can warn.
    /// `backend` is the `default` network's (VNI 1); `services` takes the default backend, which
    /// has no effect on VIPs.
    public static func ensureBuiltIn(
        _ tx: WriteTransaction, clusterCIDR: String, serviceCIDR: String, backend: NetworkBackend = .default
    ) throws -> [Network] {
        var out: [Network] = []
        for (name, subnet) in [(Network.defaultName, clusterCIDR), (Network.servicesName, serviceCIDR)] {
            if let existing = try fetch(tx.db, name) {
                out.append(existing)
            } else {
                // /24 node subnets, or the whole network when it is smaller than that.
                let nodePrefix = max(24, CIDR(subnet)?.prefix ?? 24)
                let spec = NetworkSpec(subnet: subnet, nodePrefix: nodePrefix, backend: name == Network.defaultName ? backend : .default)
                out.append(try put(tx, name: name, spec: spec).0)
            }
        }
        return out
    }
}
