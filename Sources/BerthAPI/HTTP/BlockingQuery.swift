import BerthCore
import BerthStore
import GRDB
import Hummingbird

/// Consul-style blocking reads: `?index=N&wait=30s` parks the request until something it
/// watches changes after N (or `wait` runs out), then answers with the current state.
struct BlockingQuery {
    static let defaultWait: Duration = .seconds(300)
    static let maxWait: Duration = .seconds(600)

    var index: UInt64?
    var wait: Duration

    init(_ request: Request) throws {
        let query = Query(request)
        index = try query.uint("index")
        wait = try query.wait() ?? Self.defaultWait
    }

    /// Waits if asked to, then reads.
    func read<T: Sendable>(
        _ store: Store, watching filter: WatchFilter, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> Snapshot<T> {
        await waitIfAsked(store, watching: filter)
        return try await store.read(body)
    }

    /// With `index` above 0, parks until something `filter` covers changes after it, or `wait`
    /// (plus a jitter of up to 1/16 of it, so clients that started together do not time out
    /// together) runs out. index=0 (or none) is a plain read, as in Consul.
    func waitIfAsked(_ store: Store, watching filter: WatchFilter) async {
        guard let index, index > 0 else { return }
        let jitterMillis = Int64(wait.components.seconds * 1000 / 16)
        let jitter: Duration = jitterMillis > 0 ? .milliseconds(Int64.random(in: 0...jitterMillis)) : .zero
        // Straight to the hub: a parked poll keeps every frame of its call chain alive.
        await store.hub.wait(after: index, filter: filter, timeout: wait + jitter)
    }

    /// A single-object read (after `waitIfAsked`, called by the route itself so a parked poll
    /// holds one frame fewer) that may be answered from the hub's remembered answers: no
    /// database read and no JSON encoding when the object has not changed since it was last read.
    /// Out of line, so its frame is made only after the wait, not held by every parked poll.
    @inline(never)
    func object<T: Encodable & Sendable>(
        _ store: Store, key: ObjectKey, notFound: BerthError, _ fetch: @escaping @Sendable (Database) throws -> T?
    ) async throws -> Response {
        if let hit = store.hub.answer(for: key) {
            return JSONResponse.raw(ByteBuffer(bytes: hit.body), index: hit.index)
        }
        let snapshot = try await store.read(fetch)
        guard let value = snapshot.value else { throw notFound }
        let body = try JSONResponse.encode(value)
        store.hub.remember(body, for: key, readAt: snapshot.index)
        return JSONResponse.raw(ByteBuffer(bytes: body), index: snapshot.index)
    }
}
