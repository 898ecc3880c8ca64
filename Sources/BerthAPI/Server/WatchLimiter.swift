import BerthCore
import Hummingbird
import Synchronization

/// Caps the long-polls one client may hold at once (Consul caps connections per client the
/// same way), so one runaway watcher cannot park the server's memory.
final class WatchLimiter: Sendable {
    let maxPerClient: Int
    private let held = Mutex<[String: Int]>([:])

    init(maxPerClient: Int) {
        self.maxPerClient = maxPerClient
    }

    func acquire(_ client: String) -> Bool {
        held.withLock { held in
            let count = held[client, default: 0]
            guard count < maxPerClient else { return false }
            held[client] = count + 1
            return true
        }
    }

    /// The long-polls every client holds now (`berth_watches_waiting`).
    var total: Int { held.withLock { $0.values.reduce(0, +) } }

    func release(_ client: String) {
        held.withLock { held in
            let count = held[client, default: 1] - 1
            held[client] = count > 0 ? count : nil
        }
    }
}

extension WatchLimiter {
    /// What a request holds of its client's allowance.
    enum Hold {
        /// Nothing: it answers at once.
        case none
        /// A place while it is parked: a read with `?index=`, or the event feed with `?wait=`.
        case poll
        /// A place for as long as it streams, after its route has returned: the event stream.
        case stream
    }

    /// `route`: the route the request matched, in the spec's notation, so any spelling of the
    /// path the router accepts (`/v1/events/`) is judged alike.
    static func hold(_ request: Request, route: String) -> Hold {
        guard request.method == .get else { return .none }
        if route == "/v1/events/stream" { return .stream }
        let query = request.uri.queryParameters
        return query.get("index") != nil || (route == "/v1/events" && query.get("wait") != nil) ? .poll : .none
    }

    /// One held place in a client's allowance, given back when the last reference to it goes.
    /// A stream's response body keeps it: the place is held while the body streams, and given
    /// back even if the body never runs (its client left before the answer's head was written).
    final class Place: Sendable {
        let limiter: WatchLimiter
        let client: String

        init(_ limiter: WatchLimiter, _ client: String) {
            self.limiter = limiter
            self.client = client
        }

        deinit { limiter.release(client) }
    }

    var refusal: APIError {
        APIError(
            status: .tooManyRequests, code: "too_many_watches",
            message: "this client already holds \(maxPerClient) long-polls; close some or raise --max-watches-per-client"
        )
    }
}

/// One `WatchLimiter` for several routers, made by the first that asks: `APIServer.Options`
/// carries one, so the API and the Consul catalog built from the same options share it.
final class SharedWatchLimiter: Sendable {
    private let made = Mutex<WatchLimiter?>(nil)

    func limiter(maxPerClient: Int) -> WatchLimiter {
        made.withLock { made in
            if let made, made.maxPerClient == maxPerClient { return made }
            let limiter = WatchLimiter(maxPerClient: maxPerClient)
            made = limiter
            return limiter
        }
    }
}
