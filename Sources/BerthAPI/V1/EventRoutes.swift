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
            let feed = try EventFeedQuery(query)
            let wait = try query.wait() ?? .zero
            func page(after from: UInt64) async throws -> Snapshot<ChangeLog.Page> {
                try await feed.page(store, after: from, limit: limit)
            }
            var from = after
            var snapshot = try await page(after: from)
            // Wait until there is something for this client. A change it filters out (another
            // node's container, for an agent) moves the index without filling its page: wait
            // again rather than send an empty page, or every agent would be answered, and poll
            // again, on every container change in the cluster.
            let clock = store.clock
            let deadline = clock.uptime + wait
            while snapshot.value.events.isEmpty, case let left = deadline - clock.uptime, left > .zero {
                let seen = snapshot.index
                from = max(from, seen)  // nothing for this client up to here
                await store.wait(after: from, filter: feed.watch, timeout: left)
                snapshot = try await page(after: from)
                if snapshot.index == seen { break }  // the wait ran out, or the server is stopping
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
