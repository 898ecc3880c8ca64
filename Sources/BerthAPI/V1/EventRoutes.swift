import BerthCore
import BerthStore
import HTTPTypes
import Hummingbird

/// `/v1/events`: the change feed. A client follows it with `after=next` and never misses a
/// change; one that fell behind the retention window gets 410 and lists again.
/// `/v1/events/stream` sends the same events as server-sent events (see `EventStream`).
struct EventRoutes<Context: RequestContext> {
    let store: Store
    /// How long a quiet stream goes before a `: ping` comment (tests shorten it).
    var heartbeat: Duration = .seconds(15)

    func register(on router: Router<Context>) {
        registerPages(on: router)
        registerStream(on: router)
    }

    private func registerPages(on router: Router<Context>) {
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

    private func registerStream(on router: Router<Context>) {
        router.get("/v1/events/stream") { [store, heartbeat] request, context in
            let after = try Self.resumePoint(request)
            let feed = try EventFeedQuery(Query(request))
            let now = try await store.read { _ in }.index
            // Without a resume point the stream starts now: a stream is for following, and
            // `after=0` on a compacted log could only end in an error.
            let stream = EventStream(store: store, feed: feed, after: after ?? now, heartbeat: heartbeat, logger: context.logger)
            return Response(
                status: .ok,
                headers: [
                    .contentType: ServerSentEvents.contentType, .cacheControl: "no-cache", .berthIndex: String(now),
                    // nginx would otherwise buffer the stream and hold events back.
                    .accelBuffering: "no",
                ],
                body: ResponseBody { writer in try await stream.run(&writer) }
            )
        }
    }

    /// Where a stream resumes: after `?after=` or the `Last-Event-ID` an `EventSource` sends
    /// when it reconnects, the later of the two. A page that opened `?after=N` reconnects with
    /// the same URL and the id of the last whole index it received, which is the one to keep.
    static func resumePoint(_ request: Request) throws -> UInt64? {
        let after = try Query(request).uint("after")
        guard let header = request.headers[.lastEventID], !header.isEmpty else { return after }
        guard let id = UInt64(header) else {
            throw BerthError.invalidArgument(field: "Last-Event-ID", message: "must be a change index (a non-negative integer), got \"\(header.prefix(40))\"")
        }
        return max(after ?? 0, id)
    }

    /// Assembles the page by hand so each event's stored object JSON is copied, not re-encoded.
    static func encode(_ page: ChangeLog.Page) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeString(#"{"events":["#)
        for (i, event) in page.events.enumerated() {
            if i > 0 { buffer.writeString(",") }
            event.writeJSON(into: &buffer)
        }
        buffer.writeString(#"],"next":\#(page.next)}"#)
        return buffer
    }
}

extension ChangeEvent {
    /// The event as the feed shows it, page or stream: `{"index","kind","name","op","object"}`.
    func writeJSON(into buffer: inout ByteBuffer) {
        buffer.writeString(#"{"index":\#(index),"kind":"\#(kind.rawValue)","name":"#)
        buffer.writeString(JSONText.quote(name))
        buffer.writeString(#","op":"\#(op.rawValue)","object":"#)
        buffer.writeString(object)
        buffer.writeString("}")
    }
}

extension HTTPField.Name {
    /// The id of the last message an `EventSource` received, sent when it reconnects.
    static let lastEventID = HTTPField.Name("Last-Event-ID")!
    /// Tells nginx not to buffer the answer.
    static let accelBuffering = HTTPField.Name("X-Accel-Buffering")!
}
