import BerthCore
import GRDB

/// A row of `networks`.
struct NetworkRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "networks"

    var network: Network

    init(_ network: Network) { self.network = network }

    init(row: Row) {
        network = Network(
            name: row["name"], subnet: row["subnet"], nodePrefix: row["node_prefix"],
            purpose: NetworkPurpose(rawValue: row["purpose"]) ?? .containers,
            backend: NetworkBackend(rawValue: row["backend"]) ?? .default, vni: row["vni"],
            createIndex: row["create_index"], modifyIndex: row["modify_index"]
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["name"] = network.name
        container["subnet"] = network.subnet
        container["node_prefix"] = network.nodePrefix
        container["purpose"] = network.purpose.rawValue
        container["backend"] = network.backend.rawValue
        container["vni"] = network.vni
        container["create_index"] = network.createIndex
        container["modify_index"] = network.modifyIndex
    }
}

/// A row of `leases`.
struct LeaseRecord: Sendable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "leases"

    var lease: Lease

    init(_ lease: Lease) { self.lease = lease }

    init(row: Row) {
        lease = Lease(
            network: row["network"], ip: row["ip"], ownerKind: LeaseOwnerKind(rawValue: row["owner_kind"]) ?? .container,
            owner: row["owner"], node: row["node"], createIndex: row["create_index"]
        )
    }

    func encode(to container: inout PersistenceContainer) {
        container["network"] = lease.network
        container["ip"] = lease.ip
        container["owner_kind"] = lease.ownerKind.rawValue
        container["owner"] = lease.owner
        container["node"] = lease.node
        container["create_index"] = lease.createIndex
    }
}
