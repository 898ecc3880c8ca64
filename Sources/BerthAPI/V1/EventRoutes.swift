import BerthCore
import BerthStore
import Hummingbird

/// `/v1/events`: the change feed. A client follows it with `after=next` and never misses a
/// change; one that fell behind the retention window gets 410 and lists again.
struct EventRoutes<Context: RequestContext> {
    let store: Store

    func register(on router: Router<Context>) {
        router.get("/v1/events") { request, _ in
            let query = Query(request)
            let after = try query.uint("after") ?? 0
            let limit = try query.int("limit", in: 1...5000) ?? 500
            let kind = try query.enum("kind", ObjectKind.self)
            // Filters combine: `node` keeps container events, so with another kind nothing is left.
            let node = query.string("node")
            let wait = min(try query.duration("wait") ?? .zero, BlockingQuery.maxWait)
            let filter = node != nil ? WatchFilter.kind(.container) : kind.map { WatchFilter.kind($0) } ?? .everything
            var snapshot = try await store.read { db in try ChangeLog.page(db, after: after, limit: limit, kind: kind, node: node) }
            if snapshot.value.events.isEmpty, wait > .zero {
                await store.wait(after: max(after, snapshot.index), filter: filter, timeout: wait)
                snapshot = try await store.read { db in try ChangeLog.page(db, after: after, limit: limit, kind: kind, node: node) }
            }
            return JSONResponse.raw(Self.encode(snapshot.value), index: snapshot.index)
        }
    }

    /// Assembles the page by hand so each event's stored object JSON is copied, not re-encoded.
    static func encode(_ page: ChangeLog.Page) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"events":["#)
        for (i, event) in page.events.enumerated() {
            if i > 0 { buffer.writeString(",") }
            buffer.writeString(#"{"index":\#(event.index),"kind":"\#(event.kind.rawValue)","name":"#)
            buffer.writeString(JSONText.quote(event.name))
            buffer.writeString(#","op":"\#(event.op.rawValue)","object":"#)
            buffer.writeString(event.object)
            buffer.writeString("}")
        }
        buffer.writeString(#"],"next":\#(page.next)}"#)
        return buffer
    }
}
