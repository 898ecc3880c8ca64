import BerthCore
import Foundation

/// One page of the change feed as a client reads it. `kind` and `op` stay strings so a client
/// keeps working when a newer server adds kinds; the object itself is not decoded here.
public struct EventPage: Decodable, Sendable {
    public struct Event: Decodable, Sendable {
        public var index: UInt64
        public var kind: String
        public var name: String
        public var op: String
    }

    public var events: [Event]
    /// Pass as `after` to resume without gaps or duplicates.
    public var next: UInt64
}

extension BerthClient {
    /// Events above `after`; with `wait`, blocks up to that long while there is none yet.
    /// A 410 `compacted` is thrown as an `APIFailure` with that code.
    public func events(after: UInt64, kind: String? = nil, limit: Int? = nil, wait: Duration? = nil) async throws -> Fetched<EventPage> {
        let parameters: [(String, String?)] = [
            ("after", String(after)), ("kind", kind), ("limit", limit.map(String.init)),
            ("wait", wait.map { DurationText.format($0) }),
        ]
        return try await fetch(EventPage.self, APIPath.with("/v1/events", parameters))
    }
}
