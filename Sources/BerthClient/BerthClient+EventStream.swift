import AsyncHTTPClient
import Foundation
import NIOCore

/// What `GET /v1/events/stream` sends, as `BerthClient.followEvents` hands it on.
public enum EventStreamItem: Sendable, Equatable {
    /// The events of one change index, in order, each one event's JSON as `GET /v1/events`
    /// shows it.
    case events(index: UInt64, [Data])
    /// A heartbeat comment: the stream is alive and nothing it shows has changed.
    case heartbeat
}

extension BerthClient {
    /// Follows the change feed over `GET /v1/events/stream`, from after `after` (nil: from
    /// now; `lastEventID` resumes as a browser's `EventSource` does when it reconnects, with
    /// the `Last-Event-ID` header), handing each change index's events to `receive` as they are
    /// committed. Returns the
    /// index to resume from (pass it as `after`) when the server ends the stream, as it does
    /// when it shuts down. Throws an `APIFailure` for an error answer or an `error` event (code
    /// `compacted`: the events after `after` are no longer kept).
    ///
    /// A message is whole or not received at all, so resuming from the returned index, or from
    /// the last index `receive` saw if the connection broke, neither loses nor repeats an event.
    public func followEvents(
        after: UInt64?, lastEventID: UInt64? = nil, kind: String? = nil, node: String? = nil, _ receive: (EventStreamItem) async throws -> Void
    ) async throws -> UInt64? {
        let path = APIPath.with("/v1/events/stream", [("after", after.map(String.init)), ("kind", kind), ("node", node)])
        guard let url = URL(string: path, relativeTo: server) else { throw ClientError.badPath(path) }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.headers.add(name: "Accept", value: "text/event-stream")
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let lastEventID { request.headers.add(name: "Last-Event-ID", value: String(lastEventID)) }
        var parser = ServerSentEventParser()
        do {
            // No deadline: the stream lasts as long as the caller follows it.
            let response = try await http.execute(request, deadline: .distantFuture)
            guard response.status == .ok else {
                let body = try await response.body.collect(upTo: 1 << 20)
                throw APIFailure(Reply(status: Int(response.status.code), index: nil, body: Data(body.readableBytesView), headers: [:]))
            }
            for try await buffer in response.body {
                for item in parser.feed(buffer.readableBytesView) {
                    switch item {
                    case .comment:
                        try await pass(.heartbeat, to: receive)
                    case .message(let message) where message.event == "error":
                        throw APIFailure(Reply(status: 200, index: nil, body: Data(message.data.utf8), headers: [:]))
                    case .message(let message):
                        guard let index = UInt64(message.lastEventID) else { continue }
                        let events = message.data.split(separator: "\n").map { Data($0.utf8) }
                        try await pass(.events(index: index, events), to: receive)
                    }
                }
            }
        } catch let failure as APIFailure {
            throw failure
        } catch let passed as ReceiverError {
            throw passed.error
        } catch is CancellationError {
            throw CancellationError()
        } catch let error as HTTPClientError where error == .cancelled {
            throw CancellationError()
        } catch {
            throw ClientError.unreachable(server: server.absoluteString, detail: Self.describe(error))
        }
        return UInt64(parser.lastEventID) ?? lastEventID ?? after
    }

    /// What the caller's `receive` threw, carried past the transport's error mapping as it is.
    private struct ReceiverError: Error {
        var error: any Error
    }

    private func pass(_ item: EventStreamItem, to receive: (EventStreamItem) async throws -> Void) async throws {
        do {
            try await receive(item)
        } catch {
            throw ReceiverError(error: error)
        }
    }
}
