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
            let client = try await admit(request, context)
            switch hold(request, context) {
            case .stream:
                response = try await stream(request, context, client: client, next: next)
            case .poll:
                guard limiter.acquire(client) else { throw limiter.refusal }
                defer { limiter.release(client) }
                // If the client goes away, its parked wait ends (and frees its allowance).
                response = try await Abandonment.$current.withValue(context.abandonment) { try await next(request, context) }
            case .none:
                response = try await next(request, context)
            }
        } catch {
            response = try failure(error, request, context)
        }
        if DashboardHeaders.covers(request.uri.path) { DashboardHeaders.apply(to: &response) }
        record(request, context, response, since: start)
        return response
    }

    // The work before and after the route runs in plain functions, kept out of line: an async
    // function's frame holds the locals of everything inlined into it, and ten thousand parked
    // polls hold this frame.

    /// Authenticates and authorises the request; returns the client's key for the long-poll
    /// allowance: a token's id (12 hex digits) or an address, short enough to need no allocation.
    @inline(never)
    func admit(_ request: Request, _ context: Context) async throws -> String {
        guard let authentication, let identity = try await authentication.admit(request, context, route: route(context)) else {
            return context.remoteAddress
        }
        return identity.tokenID
    }

    /// What the request holds of the long-poll allowance; out of line, so the route's name is
    /// not kept in this frame.
    @inline(never)
    func hold(_ request: Request, _ context: Context) -> WatchLimiter.Hold {
        WatchLimiter.hold(request, route: route(context))
    }

    /// A stream's route returns its response at once and the body runs on after this gate:
    /// the body carries the client's place in the long-poll allowance and its connection's
    /// abandonment (so a wait ends when the client leaves) for as long as it streams.
    @inline(never)
    func stream(
        _ request: Request, _ context: Context, client: String, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        guard limiter.acquire(client) else { throw limiter.refusal }
        let place = WatchLimiter.Place(limiter, client)
        var response = try await next(request, context)
        let body = response.body
        let abandonment = context.abandonment
        response.body = ResponseBody { writer in
            _ = place
            try await Abandonment.$current.withValue(abandonment) { try await body.write(writer) }
        }
        return response
    }

    @inline(never)
    func failure(_ error: any Error, _ request: Request, _ context: Context) throws -> Response {
        try APIError.response(for: error, request: request, context: context, routes: routes)
    }

    @inline(never)
    func record(_ request: Request, _ context: Context, _ response: Response, since start: ContinuousClock.Instant) {
        let elapsed = ContinuousClock.now - start
        let route = route(context)
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, elapsed: elapsed)
        context.logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "micros": "\(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)",
        ])
    }

    /// The matched route in the spec's notation; computed twice rather than kept across the
    /// route's run (what this frame holds, ten thousand parked polls hold).
    func route(_ context: Context) -> String {
        context.endpointPath.map(routes.specRoute) ?? "unmatched"
    }
}
