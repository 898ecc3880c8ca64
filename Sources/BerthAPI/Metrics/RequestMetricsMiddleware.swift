import Hummingbird
import Metrics
import Synchronization

/// Counts requests and times them by route pattern (never by raw path, which would make one
/// series per node name) and status: `berth_http_requests_total` and
/// `berth_http_request_duration_seconds`; at debug level it also logs one line per request
/// (with Hummingbird's request id). Add it outermost, so it sees the final status.
struct RequestMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    private let handles = MetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let route = context.endpointPath.map(AuthMiddleware.specRoute) ?? "unmatched"
        let elapsed = ContinuousClock.now - start
        handles.record(route: route, method: request.method.rawValue, status: response.status.code, elapsed: elapsed)
        context.logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "micros": "\(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)",
        ])
        return response
    }
}

/// The counters and timers already made, so a request costs a dictionary lookup, not a
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
