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
        let route = context.endpointPath.map(Authentication.specRoute) ?? "unmatched"
        var context = context
        var response: Response
        do {
            if let authentication { context = try await authentication.admit(request, context, route: route) }
            if WatchLimiter.mayBlock(request) {
                let client = context.clientKey
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
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, elapsed: elapsed)
        context.logger.debug("request", metadata: [
            "method": "\(request.method.rawValue)", "route": "\(route)", "status": "\(response.status.code)",
            "micros": "\(elapsed.components.seconds * 1_000_000 + elapsed.components.attoseconds / 1_000_000_000_000)",
        ])
        return response
    }
}
