import BerthCore

/// The parked waiters of a change hub, filed by what they watch, so a publish finds the waiters
/// it concerns without looking at every parked one.
///
/// A value type with no locking and no clock: `ChangeHub` keeps it under its lock. `Payload` is
/// what a woken waiter hands back (the hub's continuation; anything in tests).
struct WaiterIndex<Payload> {
    struct Waiter {
        var after: UInt64
        var filter: WatchFilter
        /// Internal waiters (the server's own loops) outlive `releaseExternal`.
        var isInternal: Bool
        var payload: Payload
    }

    /// What a waiter is filed under.
    enum Interest: Hashable {
        case object(ObjectKey)
        case kind(ObjectKind)
        case containersOnNode(String)

        static func of(_ filter: WatchFilter) -> [Interest] {
            if let node = filter.node { return [.containersOnNode(node)] }
            return filter.kinds.map { kind in filter.name.map { .object(ObjectKey(kind, $0)) } ?? .kind(kind) }
        }
    }

    /// The index of the last publish.
    private(set) var current: UInt64
    /// The last index at which each kind changed; a waiter behind it is answered at once.
    private var kindIndex: [ObjectKind: UInt64]
    private var waiters: [UInt64: Waiter] = [:]
    private var interested: [Interest: Set<UInt64>] = [:]

    /// `current` is the index the database holds; every kind counts as changed at it, so a
    /// waiter from before a restart is answered at once rather than missing a change.
    init(current: UInt64) {
        self.current = current
        kindIndex = Dictionary(uniqueKeysWithValues: ObjectKind.allCases.map { ($0, current) })
    }

    var count: Int { waiters.count }

    /// Whether a wait for `filter` after `after` needs no parking: the index is from the future
    /// (a restored, older database), or a kind it watches changed since.
    func isAnswered(after: UInt64, filter: WatchFilter) -> Bool {
        after > current || filter.kinds.contains { (kindIndex[$0] ?? 0) > after }
    }

    mutating func insert(_ id: UInt64, _ waiter: Waiter) {
        waiters[id] = waiter
        for interest in Interest.of(waiter.filter) { interested[interest, default: []].insert(id) }
    }

    /// Takes a waiter out, with the index entries that lead to it.
    mutating func remove(_ id: UInt64) -> Waiter? {
        guard let waiter = waiters.removeValue(forKey: id) else { return nil }
        for interest in Interest.of(waiter.filter) {
            interested[interest]?.remove(id)
            if interested[interest]?.isEmpty == true { interested[interest] = nil }
        }
        return waiter
    }

    /// Records a commit at `index` and takes out the waiters it answers: those watching a changed
    /// object, a changed kind, or (`containerNodes`) the containers of a node that changed.
    /// An index not past `current` changes nothing and returns nil.
    mutating func publish(index: UInt64, changes: some Collection<ObjectKey>, containerNodes: Set<String>) -> [(id: UInt64, waiter: Waiter)]? {
        guard index > current else { return nil }
        current = index
        var interests = Set(containerNodes.map(Interest.containersOnNode))
        for change in changes {
            kindIndex[change.kind] = index
            interests.insert(.object(change))
            interests.insert(.kind(change.kind))
        }
        var concerned = Set<UInt64>()
        for interest in interests {
            if let ids = interested[interest] { concerned.formUnion(ids) }
        }
        var woken: [(UInt64, Waiter)] = []
        for id in concerned where index > (waiters[id]?.after ?? .max) {
            if let waiter = remove(id) { woken.append((id, waiter)) }
        }
        return woken
    }

    /// Takes out every waiter but the internal ones (shutdown).
    mutating func removeExternal() -> [Waiter] {
        let ids = waiters.filter { !$0.value.isInternal }.map(\.key)
        return ids.compactMap { remove($0) }
    }
}

extension WaiterIndex: Sendable where Payload: Sendable {}
extension WaiterIndex.Waiter: Sendable where Payload: Sendable {}
