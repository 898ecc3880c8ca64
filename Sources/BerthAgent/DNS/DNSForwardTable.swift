import BerthDNSWire

/// The queries a DNS forwarder has in flight: each forwarded under an id of its own (so the
/// clients' ids cannot collide upstream), answered back to the client under the client's id.
/// Pure and clock-free: `now` is passed in, entries expire after `timeout`.
struct DNSForwardTable<Client: Hashable> {
    struct Pending {
        var client: Client
        var clientID: UInt16
        var expires: Duration
    }

    let timeout: Duration
    let capacity: Int
    private var pending: [UInt16: Pending] = [:]
    private var nextID: UInt16

    init(timeout: Duration = .seconds(5), capacity: Int = 4096, firstID: UInt16 = 1) {
        self.timeout = timeout
        self.capacity = capacity
        nextID = firstID
    }

    var count: Int { pending.count }

    /// Takes an upstream id for a client's query; nil when the table is full (drop the query:
    /// the client retries).
    mutating func forward(client: Client, clientID: UInt16, now: Duration) -> UInt16? {
        expire(now: now)
        guard pending.count < capacity else { return nil }
        while pending[nextID] != nil { nextID &+= 1 }
        let id = nextID
        nextID &+= 1
        pending[id] = Pending(client: client, clientID: clientID, expires: now + timeout)
        return id
    }

    /// The client an upstream answer with `id` belongs to, once; nil for an unknown or late one.
    mutating func answer(id: UInt16, now: Duration) -> (client: Client, clientID: UInt16)? {
        guard let entry = pending.removeValue(forKey: id), entry.expires > now else { return nil }
        return (entry.client, entry.clientID)
    }

    mutating func expire(now: Duration) {
        if pending.values.contains(where: { $0.expires <= now }) { pending = pending.filter { $0.value.expires > now } }
    }
}
