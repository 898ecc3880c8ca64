import Synchronization

/// The `X-Consul-Index` of each query, moved only when its answer changes.
///
/// Consul's index of an answer is the last change of the data behind it, so a blocking query
/// wakes when that data changes and not for unrelated writes. Berth's change index is global
/// (and a node's heartbeat is a write), so the catalog remembers, per query (path and filters),
/// a hash of its last answer and the index at which that answer first appeared: the same answer
/// keeps its index, a different one takes the index it was read at. A parked query that wakes
/// to an unchanged answer parks again (`ConsulBlocking`).
///
/// The index a query reports never goes backwards: a new answer takes at least its previous
/// index plus one, even if it was read from an older snapshot than the previous answer (two
/// requests racing). Forgetting (past `capacity` queries) is safe: a query it does not remember
/// takes at least the highest index handed out to any query.
final class ConsulIndexes: Sendable {
    private struct Entry {
        var hash: Int
        var index: UInt64
    }

    private struct Memory {
        var entries: [String: Entry] = [:]
        var highest: UInt64 = 1
    }

    private let memory = Mutex(Memory())
    private let capacity: Int

    init(capacity: Int = 10_000) {
        self.capacity = capacity
    }

    /// The index to report for `body`, the answer to `query` read at change index `readAt`.
    func index(for query: String, body: [UInt8], readAt: UInt64) -> UInt64 {
        var hasher = Hasher()
        body.withUnsafeBytes { hasher.combine(bytes: $0) }
        hasher.combine(body.count)
        let hash = hasher.finalize()
        return memory.withLock { memory in
            let index: UInt64
            if let entry = memory.entries[query] {
                if entry.hash == hash { return entry.index }
                index = max(readAt, entry.index + 1)
            } else {
                if memory.entries.count >= capacity { memory.entries.removeAll(keepingCapacity: true) }
                index = max(readAt, memory.highest)
            }
            memory.entries[query] = Entry(hash: hash, index: index)
            memory.highest = max(memory.highest, index)
            return index
        }
    }

    /// How many queries it remembers (tests).
    var count: Int { memory.withLock { $0.entries.count } }
}
