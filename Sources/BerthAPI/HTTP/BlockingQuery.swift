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
        let asked = try query.duration("wait") ?? Self.defaultWait
        wait = min(asked, Self.maxWait)
    }

    /// Waits if asked to, then reads. The jitter (up to 1/16 of the wait) keeps many clients
    /// that started together from timing out together.
    func read<T: Sendable>(
        _ store: Store, watching filter: WatchFilter, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws -> Snapshot<T> {
        // index=0 (or none) is a plain read, as in Consul: there is nothing to wait past.
        if let index, index > 0 {
            let jitterMillis = Int64(wait.components.seconds * 1000 / 16)
            let jitter: Duration = jitterMillis > 0 ? .milliseconds(Int64.random(in: 0...jitterMillis)) : .zero
            await store.wait(after: index, filter: filter, timeout: wait + jitter)
        }
        return try await store.read(body)
    }
}
