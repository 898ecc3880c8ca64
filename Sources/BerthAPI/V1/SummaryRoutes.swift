import BerthCore
import BerthStore
import Hummingbird
import Synchronization

/// `GET /v1/summary`: the cluster in counts for the dashboard's overview — nodes by status and
/// availability, containers by state, services healthy and degraded, the oldest pending
/// containers with their reasons — in one request of a few grouped aggregates, so a page never
/// asks once per row (Nomad's jobs page once took browsers down that way).
///
/// The per-service count reads every container's row (about 60 ms at 100,000 containers), so
/// the last answer is kept until the change index moves: any number of open dashboards cost
/// one computation per change, not one per page.
struct SummaryRoutes<Context: RequestContext> {
    let store: Store
    private let last = LastSummary()

    /// What a change to any of these kinds may move.
    static var watched: WatchFilter { WatchFilter(kinds: [.node, .service, .container]) }

    func register(on router: Router<Context>) {
        router.get("/v1/summary") { request, _ in
            let limit = try Query(request).int("limit", in: 0...500) ?? 50
            let query = try BlockingQuery(request)
            await query.waitIfAsked(store, watching: Self.watched)
            let current = store.hub.current
            if let kept = last.answer.withLock({ $0 }), kept.index == current, kept.limit == limit {
                return JSONResponse.raw(kept.body, index: kept.index)
            }
            let snapshot = try await store.read { reader in try reader.summary(limit: limit) }
            let body = ByteBuffer(bytes: try JSONResponse.encode(snapshot.value))
            last.answer.withLock { kept in
                if kept.map({ snapshot.index >= $0.index }) ?? true { kept = (snapshot.index, limit, body) }
            }
            return JSONResponse.raw(body, index: snapshot.index)
        }
    }
}

/// The last summary answered: its index, its `limit` and its JSON. A write is published to the
/// hub before it is acknowledged, so a client never gets an answer older than its own write.
private final class LastSummary: Sendable {
    let answer = Mutex<(index: UInt64, limit: Int, body: ByteBuffer)?>(nil)
}
