import BerthCore
import Foundation
import HeapModule

/// Ready nodes by their last heartbeat, earliest first: node lifecycle asks which are overdue
/// without scanning every node each second.
///
/// Entries are never updated in place: a heartbeat pushes a new one, and an entry that no longer
/// matches its node (a later heartbeat, a node no longer ready, a node gone) is stale and dropped
/// when it surfaces, or when stale entries outnumber live ones and the heap is rebuilt.
struct HeartbeatDeadlines: Sendable {
    struct Entry: Comparable, Sendable {
        var at: Date
        var node: String
        static func < (a: Entry, b: Entry) -> Bool { (a.at, a.node) < (b.at, b.node) }
    }

    private var heap = Heap<Entry>()

    /// Notes a node's row as it now is.
    mutating func note(_ node: NodeRow, among nodes: [String: NodeRow]) {
        guard node.status == .ready else { return }
        heap.insert(Entry(at: node.lastHeartbeat ?? .distantPast, node: node.name))
        if heap.count > 2 * nodes.count + 1024 {
            heap = Heap(nodes.values.filter { $0.status == .ready }.map { Entry(at: $0.lastHeartbeat ?? .distantPast, node: $0.name) })
        }
    }

    /// The ready nodes whose last heartbeat is at or before `cutoff`, in order, and the earliest
    /// heartbeat after it (the next node to fall due). The overdue stay in the heap (until marked
    /// down, which makes their entries stale), so a pass that fails to mark them finds them again.
    mutating func overdue(atOrBefore cutoff: Date, nodes: [String: NodeRow]) -> (nodes: [String], next: Date?) {
        var due: [Entry] = []
        while let first = heap.min, first.at <= cutoff {
            heap.removeMin()
            if Self.isLive(first, nodes), due.last != first { due.append(first) }
        }
        while let first = heap.min, !Self.isLive(first, nodes) { heap.removeMin() }
        let next = heap.min?.at
        for entry in due { heap.insert(entry) }
        return (due.map(\.node), next)
    }

    private static func isLive(_ entry: Entry, _ nodes: [String: NodeRow]) -> Bool {
        guard let node = nodes[entry.node], node.status == .ready else { return false }
        return (node.lastHeartbeat ?? .distantPast) == entry.at
    }
}
