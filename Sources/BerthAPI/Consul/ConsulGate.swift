import BerthCore
import BerthStore
import HTTPTypes
import Hummingbird
import Logging

/// What every request to the Consul listener passes through: metrics (route `consul:PATH`),
/// Consul's headers on every answer (`X-Consul-Index`, `X-Consul-KnownLeader: true`, `X-Consul-LastContact: 0`: Berth is
/// its own leader, always in contact), tokens as Consul clients send them, the per-client
/// long-poll allowance, and errors as Consul words them (plain text).
struct ConsulGate: RouterMiddleware {
    typealias Context = BerthRequestContext

    let store: Store
    let routes: RouteCatalog
    /// Checks tokens; nil serves everyone (`--auth none`).
    let authenticator: TokenAuthenticator?
    let limiter: WatchLimiter
    let metrics = MetricHandles()

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        var response: Response
        do {
            // An unknown path (or method) is answered before any token is looked at, as Consul does.
            guard context.endpointPath != nil else { throw HTTPError(.notFound) }
            let client = try await admit(request, context)
            if request.method == .get, (try? ConsulRequest(query: request.uri.query))?.blocks == true {
                guard limiter.acquire(client) else {
                    throw ConsulError(status: .tooManyRequests, message: "Too many blocking queries from this client (--max-watches-per-client \(limiter.maxPerClient))")
                }
                defer { limiter.release(client) }
                response = try await Abandonment.$current.withValue(context.abandonment) { try await next(request, context) }
            } else {
                response = try await next(request, context)
            }
        } catch {
            response = failure(error, request, context)
        }
        if response.headers[.consulIndex] == nil { response.headers[.consulIndex] = String(max(store.hub.current, 1)) }
        response.headers[.consulKnownLeader] = "true"
        response.headers[.consulLastContact] = "0"
        record(request, context, response, since: start)
        return response
    }

    /// In `berth_http_requests_total` and its latency, as `consul:ROUTE`.
    @inline(never)
    func record(_ request: Request, _ context: Context, _ response: Response, since start: ContinuousClock.Instant) {
        let route = "consul:" + (context.endpointPath.map(routes.specRoute) ?? "unmatched")
        metrics.record(route: route, method: request.method.rawValue, status: response.status.code, elapsed: ContinuousClock.now - start)
    }

    /// The caller's key for the long-poll allowance (a token id, or its address without
    /// tokens), or Consul's 403: Consul answers a missing, unknown or too weak token with
    /// 403 ("ACL not found", "Permission denied"), never 401.
    @inline(never)
    func admit(_ request: Request, _ context: Context) async throws -> String {
        // `/v1/agent/self` tells only the datacenter, and some clients (py-consul's
        // `agent.self()`) ask for it without their token.
        guard let authenticator, request.uri.path != "/v1/agent/self" else { return context.remoteAddress }
        let secret = request.headers[.consulToken].flatMap { $0.isEmpty ? nil : $0 }
            ?? request.headers[.authorization].flatMap(Authentication.bearer)
        guard let secret else {
            throw ConsulError(status: .forbidden, message: "Permission denied: send a Berth reader or admin token as X-Consul-Token or Authorization: Bearer")
        }
        guard let identity = try await authenticator.authenticate(secret: secret) else {
            throw ConsulError(status: .forbidden, message: "ACL not found")
        }
        if case .agent = identity.principal {
            throw ConsulError(status: .forbidden, message: "Permission denied: an agent token may not read the catalog; use a reader token")
        }
        return identity.tokenID
    }

    @inline(never)
    func failure(_ error: any Error, _ request: Request, _ context: Context) -> Response {
        var consul: ConsulError
        switch error {
        case let error as ConsulError:
            consul = error
        case let error as HTTPError where error.status == .notFound:
            let allowed = routes.methods(for: request.uri.path)
            consul = allowed.isEmpty ? .unknownPath : ConsulError(
                status: .methodNotAllowed, message: "method \(request.method.rawValue) not allowed",
                headers: [.allow: allowed.sorted().joined(separator: ", ")]
            )
        case let error as HTTPError:
            consul = ConsulError(status: error.status, message: error.body ?? error.status.reasonPhrase)
        case let error as BerthError:
            let api = APIError(error)
            consul = ConsulError(status: api.status, message: api.message)
        default:
            context.logger.error("internal error in the Consul catalog", metadata: ["error": "\(String(reflecting: error))"])
            consul = ConsulError(status: .internalServerError, message: "internal server error")
        }
        var headers = consul.headers
        headers[.contentType] = "text/plain; charset=utf-8"
        return Response(status: consul.status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: consul.message + "\n")))
    }
}
