import BerthCore
import GRDB

/// Keeps the underlay (the addresses nodes reach each other at) apart from the overlay (the
/// cluster's networks). A node whose own address lay inside a container or service network
/// would have its traffic to its peers routed into the tunnels and bridges it is carried by.
///
/// Both sides are checked where they change: a node's address when it is registered or moved
/// (400, the request is wrong), a network's subnet when it is created or moved (409, the
/// cluster's state is in the way). An address that is a hostname or IPv6 cannot overlap the
/// IPv4 networks and passes.
enum UnderlayOverlap {
    /// Refuses a node address inside any network: every network is for containers or services.
    static func checkNodeAddress(_ db: Database, _ address: String) throws {
        guard let ip = IPv4Address(address) else { return }
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT name, subnet FROM networks ORDER BY name"))
        for row in rows {
            let name: String = row[0]
            guard let subnet = CIDR(row[1] as String), subnet.contains(ip) else { continue }
            throw BerthError.invalidArgument(
                field: "address",
                message: "\(address) lies inside network \(name) (\(subnet)); a node's own address must be outside "
                    + "the cluster's container and service networks"
            )
        }
    }

    /// Refuses a network subnet that holds a registered node's address, naming the node.
    static func checkNetworkSubnet(_ db: Database, network: String, _ subnet: CIDR) throws {
        let rows = try Row.fetchAll(db, sql: "SELECT name, address FROM nodes ORDER BY name")
        for row in rows {
            guard let ip = IPv4Address(row[1] as String), subnet.contains(ip) else { continue }
            let node: String = row[0]
            throw BerthError.conflict(
                "subnet \(subnet) of network \(network) contains the address \(ip) of node \(node); "
                    + "a node's own address must be outside the cluster's networks"
            )
        }
    }
}
