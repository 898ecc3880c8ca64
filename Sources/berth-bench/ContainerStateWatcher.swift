import BerthClient
import Foundation
import Synchronization

/// Follows the container change feed (`/v1/events?kind=container`, long-polls) and keeps, for
/// each container, when each state was first seen. Both ends of a latency (say `scheduled` and
/// `running`) are seen by this same watcher, so its own delay cancels out.
final class ContainerStateWatcher: Sendable {
    private let client: BerthClient
    private let seen = Mutex<[String: [String: ContinuousClock.Instant]]>([:])

    init(client: BerthClient) { self.client = client }

    /// The feed's page, with each event's object (the container as it was then).
    private struct Page: Decodable {
        struct Event: Decodable {
            struct Object: Decodable { var state: String }
            var name: String
            var op: String
            var object: Object?
        }
        var events: [Event]
        var next: UInt64
    }

    /// Follows the feed from `after` until cancelled.
    func run(after: UInt64) async {
        var from = after
        while !Task.isCancelled {
            do {
                let reply = try client.checked(try await client.get("/v1/events?after=\(from)&kind=container&limit=1000&wait=10s"))
                let page = try reply.decode(Page.self)
                let now = ContinuousClock.now
                seen.withLock { seen in
                    for event in page.events {
                        guard let state = event.object?.state, event.op != "deleted" else { continue }
                        if seen[event.name, default: [:]][state] == nil { seen[event.name, default: [:]][state] = now }
                    }
                }
                from = page.next
            } catch {
                if Task.isCancelled { return }
                try? await Task.sleep(for: .milliseconds(50))
            }
        }
    }

    /// When `id` was first seen in `state`, if it has been.
    func time(_ id: String, _ state: String) -> ContinuousClock.Instant? {
        seen.withLock { $0[id]?[state] }
    }

    /// Waits (polling this process's own table, bounded by `timeout`) until `id` has been seen
    /// in `state`; throws if it ended (`failed`, `exited`) first.
    func wait(_ id: String, _ state: String, timeout: Duration = .seconds(60)) async throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let at = time(id, state) { return at }
            if time(id, "failed") != nil || time(id, "exited") != nil {
                throw BenchError("container \(id) ended before it was \(state)")
            }
            try await Task.sleep(for: .milliseconds(1))
        }
        throw BenchError("container \(id) was not \(state) within \(timeout)")
    }
}
