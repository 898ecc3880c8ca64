import Hummingbird
import Metrics
import Synchronization

/// `berth_http_requests_total` and `berth_http_request_duration_seconds`, by route pattern
/// (never the raw path, which would make a series per node name), method and status. The
/// counters and timers already made are kept, so a request costs a dictionary lookup, not a
/// registration with the metrics backend.
final class MetricHandles: Sendable {
    private struct Key: Hashable {
        var route: String
        var method: String
        var status: Int
    }

    private let table = Mutex<[Key: (Counter, Metrics.Timer)]>([:])

    func record(route: String, method: String, status: Int, elapsed: Duration) {
        let key = Key(route: route, method: method, status: status)
        let (counter, timer) = table.withLock { table in
            if let found = table[key] { return found }
            let dimensions = [("route", route), ("method", method), ("status", String(status))]
            let made = (
                Counter(label: "berth_http_requests_total", dimensions: dimensions),
                Metrics.Timer(label: "berth_http_request_duration_seconds", dimensions: dimensions)
            )
            table[key] = made
            return made
        }
        counter.increment()
        timer.record(duration: elapsed)
    }
}
