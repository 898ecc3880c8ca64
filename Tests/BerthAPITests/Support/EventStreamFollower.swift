import BerthClient
import Foundation
import Synchronization

/// A client following `/v1/events/stream` in a task of its own, keeping what arrives, so a test
/// can write while it follows, look at what it has received, and disconnect it (`stop`) at any
/// point, as a browser's tab closing would.
struct EventStreamFollower: Sendable {
    private final class Log: Sendable {
        let items = Mutex<[EventStreamItem]>([])
        let end = Mutex<Result<UInt64?, any Error>?>(nil)
    }

    private let log = Log()
    private let task: Task<Void, Never>

    init(_ client: BerthClient, after: UInt64? = nil, lastEventID: UInt64? = nil, kind: String? = nil, node: String? = nil) {
        let log = log
        task = Task {
            do {
                let resume = try await client.followEvents(after: after, lastEventID: lastEventID, kind: kind, node: node) { item in
                    log.items.withLock { $0.append(item) }
                }
                log.end.withLock { $0 = .success(resume) }
            } catch {
                log.end.withLock { $0 = .failure(error) }
            }
        }
    }

    /// Every message and heartbeat so far, in order.
    var items: [EventStreamItem] { log.items.withLock { $0 } }

    /// The events received so far, each as (index, decoded JSON), in order.
    var events: [(index: UInt64, event: [String: Any])] {
        items.flatMap { item -> [(index: UInt64, event: [String: Any])] in
            guard case .events(let index, let lines) = item else { return [] }
            return lines.map { (index, (try? JSONSerialization.jsonObject(with: $0) as? [String: Any]) ?? [:]) }
        }
    }

    var heartbeats: Int { items.filter { $0 == .heartbeat }.count }

    /// How the stream ended, once it has: the resume point, or the error.
    var end: Result<UInt64?, any Error>? { log.end.withLock { $0 } }

    /// Disconnects (if still following) and waits until the follow is over.
    func stop() async {
        task.cancel()
        await task.value
    }

    /// Waits until the stream ends by itself.
    func finished() async -> Result<UInt64?, any Error> {
        await task.value
        return end!
    }
}
