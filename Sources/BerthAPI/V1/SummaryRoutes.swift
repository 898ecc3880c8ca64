import BerthCore
import BerthStore
import Hummingbird
import Synchronization

/// `GET /v1/summary`: the cluster in counts for the dashboard's overview — nodes by status and
/// availability, containers by state, services healthy and degraded, the oldest pending
/// containers with their reasons — in one request of a few grouped aggregates, so a page never
/// asks once per row (Nomad's jobs page once took browsers down that way).
///
/// A server that runs the loops answers from their kept model (`ClusterState.summary`: counts
/// kept as commits apply, a pass over nodes and services only); one without them from SQL
/// (`StoreReader.summary`, whose per-service count reads every container's row: about 60 ms at
/// 100,000 containers). Either way the last answer is kept until the change index moves, so any
/// number of open dashboards cost one computation per change, not one per page.
struct SummaryRoutes<Context: RequestContext> {
    let store: Store
    let state: ClusterState?
    private let last = LastSummary()

    init(store: Store, state: ClusterState?) {
        self.store = store
        self.state = state
    }

    /// What a change to any of these kinds may move.
    static var watched: WatchFilter { WatchFilter(kinds: [.node, .service, .container]) }

    func register(on router: Router<Context>) {
        router.get("/v1/summary") { request, _ in
            let limit = try Query(request).int("limit", in: 0...500) ?? 50
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: Self.watched)
            let current = store.hub.current
            if let kept = last.answer.withLock({ $0 }), kept.index == current, kept.limit == limit {
                return JSONResponse.raw(kept.body, index: kept.answered)
            }
            let summary: ClusterSummary
            if let state {
                summary = try await state.summary(limit: limit)
            } else {
                summary = try await store.read { reader in try reader.summary(limit: limit) }.value
            }
            let body = ByteBuffer(bytes: try JSONResponse.encode(summary))
            // Kept under the index published before it was made, which it holds at least.
            last.answer.withLock { kept in
                if kept.map({ current >= $0.index }) ?? true { kept = (current, summary.index, limit, body) }
            }
            return JSONResponse.raw(body, index: summary.index)
        }
    }
}

/// The last summary answered: its index, its `limit` and its JSON. A write is published to the
/// hub before it is acknowledged, so a client never gets an answer older than its own write.
private final class LastSummary: Sendable {
    /// `index`: the published index when it was made; `answered`: the index it reports.
    let answer = Mutex<(index: UInt64, answered: UInt64, limit: Int, body: ByteBuffer)?>(nil)
}
