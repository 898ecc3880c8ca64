import BerthCore
import BerthStore
import Hummingbird

/// What a reader of the change feed asked to see (`?kind=` and `?node=`), read once for both
/// `/v1/events` and `/v1/events/stream`, so the page and the stream can never disagree on what a
/// filter lets through. The access policy judges an agent token on these same two parameters,
/// for both routes.
struct EventFeedQuery: Sendable {
    /// Only events about these kinds; nil: every kind.
    var kinds: Set<ObjectKind>?
    /// Only the events of containers on this node (what an agent follows). Filters combine:
    /// `node` keeps container events, so with another kind nothing is left.
    var node: String?

    init(_ query: Query) throws {
        kinds = try query.kinds("kind")
        node = try query.name("node")
    }

    /// What to park on in the change hub: exactly the changes this filter would show, so a
    /// change it leaves out (another node's container, for an agent) wakes nobody.
    var watch: WatchFilter {
        node.map { WatchFilter.containers(onNode: $0) } ?? kinds.map { WatchFilter(kinds: $0) } ?? .everything
    }

    /// The events after `after` that pass the filter, at most `limit` (an index is never split).
    func page(_ store: Store, after: UInt64, limit: Int) async throws -> Snapshot<ChangeLog.Page> {
        let kinds = kinds
        let node = node
        return try await store.read { try $0.events(after: after, limit: limit, kinds: kinds, node: node) }
    }
}
