import Synchronization

/// How many queries each client (a container's address) has in flight upstream, against two
/// bounds: `perClient`, so one container flooding the forwarder cannot take the places the
/// others need, and `total`, so the forwarder's memory and sockets stay bounded whatever the
/// number of clients. A query over either is answered SERVFAIL at once and never sent on.
struct DNSForwardLimits {
    let perClient: Int
    let total: Int
    private(set) var outstanding: [UInt32: Int] = [:]
    private(set) var count = 0

    init(perClient: Int, total: Int) {
        self.perClient = max(1, perClient)
        self.total = max(1, total)
    }

    /// Takes a place for one of `client`'s queries; false when it has none left.
    mutating func take(_ client: UInt32) -> Bool {
        let held = outstanding[client, default: 0]
        guard held < perClient, count < total else { return false }
        outstanding[client] = held + 1
        count += 1
        return true
    }

    /// Gives back a place `take` gave (once per query, whatever became of it).
    mutating func give(_ client: UInt32) {
        guard let held = outstanding[client] else { return }
        outstanding[client] = held > 1 ? held - 1 : nil
        count -= 1
    }
}

/// `DNSForwardLimits` shared by the forwarder's listeners.
final class DNSForwardBudget: Sendable {
    private let limits: Mutex<DNSForwardLimits>

    init(perClient: Int, total: Int) { limits = Mutex(DNSForwardLimits(perClient: perClient, total: total)) }

    func take(_ client: UInt32) -> Bool { limits.withLock { $0.take(client) } }
    func give(_ client: UInt32) { limits.withLock { $0.give(client) } }
    /// Queries in flight now (tests wait for it to fall back to 0).
    var outstanding: Int { limits.withLock { $0.count } }
}
