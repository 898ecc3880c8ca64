import BerthCore
import BerthStore
import Hummingbird
import Logging

/// Everything every request passes through, in one middleware: metrics and a debug log line,
/// the JSON error format, authentication and roles, and the per-client long-poll allowance.
///
/// One middleware rather than four because a parked long-poll keeps every frame of its call
/// chain alive: with ten thousand of them, each middleware layer cost megabytes.
struct RequestGate: RouterMiddleware {
    typealias Context = BerthRequestContext

    let routes: RouteCatalog
    let authentication: Authentication?
    let limiter: WatchLimiter
    let metrics = MetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            // Only the client's key outlives admission: a parked poll holds no second context.
            // A token's id (12 hex digits) or an address: short enough to need no allocation.
            var client = context.remoteAddress
            if let authentication, let identity = try await authentication.admit(request, context, route: route(context)) {
                client = identity.tokenID
            }
            if WatchLimiter.mayBlock(request) {
                guard limiter.acquire(client) else { throw limiter.refusal }
                defer { limiter.release(client) }
                response = try await next(request, context)
            } else {
                response = try await next(request, context)
            }
        } catch {
            response = try APIError.response(for: error, request: request, context: context, routes: routes)
        }
        let elapsed = ContinuousClock.now - start
        let route = route(context)
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, elapsed: elapsed)
        context.logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "micros": "\(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)",
        ])
        return response
    }

    /// The matched route in the spec's notation; computed twice rather than kept across the
    /// route's run (what this frame holds, ten thousand parked polls hold).
    func route(_ context: Context) -> String {
        context.endpointPath.map(routes.specRoute) ?? "unmatched"
    }
}
