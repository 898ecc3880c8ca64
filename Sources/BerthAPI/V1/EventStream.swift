import BerthCore
import BerthStore
import Hummingbird
import Logging

/// One `/v1/events/stream` client's follow of the change feed, as server-sent events.
///
/// Each change index is one message, `id:` the index and one `data:` line per event (the JSON
/// `GET /v1/events` shows): a client's `EventSource` dispatches a message only once it has all of
/// it, so the id it resumes from (`Last-Event-ID`) always covers whole indexes, and a resume
/// neither loses nor repeats an event (etcd's watch is atomic per revision for the same reason).
///
/// Between messages the stream parks on the change hub, as a blocking query does: no timer
/// polls the database, and a change the filter leaves out wakes nobody. It ends when the hub
/// shuts down (graceful shutdown), when its client goes away (its connection's `Abandonment`,
/// which the request gate makes current for the body), or with an `error` event when its
/// resume point was compacted away or the database fails.
struct EventStream: Sendable {
    let store: Store
    let feed: EventFeedQuery
    /// Events after this index come first.
    let after: UInt64
    /// After this long without a byte sent, a `: ping` comment goes out.
    let heartbeat: Duration
    let logger: Logger

    /// How many events one read takes; an index is never split, and a full page is followed
    /// at once by the next.
    static let pageSize = 500

    func run(_ writer: inout any ResponseBodyWriter) async throws {
        var from = after
        var buffer = ByteBuffer()
        ServerSentEvents.resumePoint(from, into: &buffer)
        try await writer.write(buffer)
        var lastSent = store.clock.uptime
        while !isOver {
            let page: Snapshot<ChangeLog.Page>
            do {
                page = try await feed.page(store, after: from, limit: Self.pageSize)
            } catch {
                if isOver { break }
                // The same body as /v1/events' error answer (410 `compacted`, 503 ...).
                buffer.clear()
                ServerSentEvents.message(event: "error", lines: [APIError.from(error, logger: logger).body], into: &buffer)
                try await writer.write(buffer)
                break
            }
            if !page.value.events.isEmpty {
                buffer.clear()
                Self.encode(page.value.events, into: &buffer)
                try await writer.write(buffer)
                lastSent = store.clock.uptime
            }
            // As a client of /v1/events resumes from `next`: the current index once the page
            // holds everything, so a resume point ahead of the server (a database restored
            // from a backup) follows on from now instead of waiting for an index to catch up.
            from = page.value.next
            if page.value.next < page.index { continue }  // a full page: the rest is there now
            guard try await waitForChange(after: from, lastSent: &lastSent, &writer) else { break }
        }
        // A client that left gets nothing more; anyone else sees the stream end cleanly.
        if Abandonment.current?.isAbandoned != true { try await writer.finish(nil) }
    }

    /// Parks until something the filter shows changes after `from`, sending a heartbeat each
    /// time the stream has been quiet for `heartbeat` (and reading nothing then: a quiet stream
    /// costs the database nothing); false when the stream is over instead. A change that comes
    /// as a heartbeat goes out is not missed: the next wait returns at once.
    private func waitForChange(after from: UInt64, lastSent: inout Duration, _ writer: inout any ResponseBodyWriter) async throws -> Bool {
        let clock = store.clock
        while true {
            let untilPing = lastSent + heartbeat - clock.uptime
            if untilPing > .zero {
                await store.hub.wait(after: from, filter: feed.watch, timeout: untilPing)
                if isOver { return false }
            }
            guard clock.uptime - lastSent >= heartbeat else { return true }  // woken by a change
            var buffer = ByteBuffer()
            ServerSentEvents.comment("ping", into: &buffer)
            try await writer.write(buffer)
            lastSent = clock.uptime
        }
    }

    /// The server is stopping, the client left, or the request was cancelled.
    private var isOver: Bool {
        store.hub.isShutDown || Abandonment.current?.isAbandoned == true || Task.isCancelled
    }

    /// One message per change index, in order.
    static func encode(_ events: [ChangeEvent], into buffer: inout ByteBuffer) {
        var start = events.startIndex
        while start < events.endIndex {
            let index = events[start].index
            let end = events[start...].firstIndex { $0.index != index } ?? events.endIndex
            let lines = events[start..<end].map { event in
                var line = ByteBuffer()
                event.writeJSON(into: &line)
                return line
            }
            ServerSentEvents.message(id: index, lines: lines, into: &buffer)
            start = end
        }
    }
}
