import BerthCore
import GRDB

/// The container addresses leased on the nodes a scheduling pass places on, carried from one
/// chunk of placements to the next.
///
/// A pass over 100,000 pending containers commits in chunks that each touch most nodes; reading
/// every lease of those nodes again for each chunk made the pass quadratic. The book starts from
/// what the in-memory state knows (or reads a node's leases once), then reads only what was
/// leased after the chunk that last read it (the `leases_by_node` index covers that). An address
/// released meanwhile merely stays unused until the next pass; one leased by another writer is
/// always seen.
public struct AddressBook: Sendable {
    private var used: [String: Set<UInt32>] = [:]
    /// The change index of the transaction that last read; later leases may be missing.
    private var readThrough: UInt64 = 0

    public init() {}

    /// A book that starts from the addresses the in-memory `ClusterState` knows are held on each
    /// node (a node absent holds none) as of change index `index`: only leases made after it are read from the file (by
    /// other writers meanwhile), so a pass no longer reads every lease of the nodes it places on.
    public init(held: [String: Set<UInt32>], asOf index: UInt64) {
        used = held
        readThrough = index
        seeded = true
    }

    /// Whether `used` covers every node as of `readThrough` (a node absent holds nothing).
    private var seeded = false

    /// Brings the book up to date for `nodes`, inside the transaction about to lease on them.
    mutating func refresh(_ tx: WriteTransaction, nodes: [String]) throws {
        let known = seeded ? nodes : nodes.filter { used[$0] != nil }
        let unknown = seeded ? [] : nodes.filter { used[$0] == nil }
        for name in unknown { used[name] = [] }
        try read(tx.db, nodes: unknown, after: 0)
        try read(tx.db, nodes: known, after: readThrough)
        readThrough = tx.index
    }

    private mutating func read(_ db: Database, nodes: [String], after index: UInt64) throws {
        guard !nodes.isEmpty else { return }
        let rows = try Row.fetchCursor(db, sql: """
            SELECT node, ip FROM leases INDEXED BY leases_by_node
            WHERE node IN (SELECT value FROM json_each(?)) AND create_index > ? AND owner_kind = 'container' AND network = 'default'
            """, arguments: [try JSONColumn.encode(nodes), index])
        while let row = try rows.next() {
            if let ip = IPv4Address(row[1] as String) { used[row[0] as String, default: []].insert(ip.value) }
        }
    }

    /// The lowest free address of `subnet` on `node`, now taken; nil when the subnet is full.
    mutating func take(on node: String, subnet: CIDR) -> IPv4Address? {
        guard let ip = subnet.firstFree(excluding: used[node, default: []], reserveGateway: true) else { return nil }
        used[node, default: []].insert(ip.value)
        return ip
    }
}
