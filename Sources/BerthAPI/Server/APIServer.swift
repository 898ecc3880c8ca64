import BerthCore
import BerthStore
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOCore
import Prometheus
import ServiceLifecycle

/// Builds Berth's HTTP server: the `/v1` routes over one store, behind the request gate
/// (metrics, errors, authentication, the long-poll allowance).
public enum APIServer {
    /// How the server guards itself; the defaults suit tests on loopback (no tokens).
    public struct Options: Sendable {
        /// Checks bearer tokens; nil serves everyone (only sensible on loopback).
        public var authenticator: TokenAuthenticator?
        /// Long-polls one client (token, else address) may hold at once.
        public var maxWatchesPerClient = 1_000
        /// A connection that sends nothing for this long, or trickles a request slower, is closed.
        public var idleTimeout: TimeAmount = .seconds(30)
        /// The total size of a request's header fields.
        public var maxHeaderBytes = 16 * 1024
        /// Serves HTTPS with this configuration when set.
        public var tls: TLSConfiguration?
        /// Exposed at `GET /metrics` when set.
        public var metrics: PrometheusCollectorRegistry?
        /// How long a quiet `/v1/events/stream` goes before a heartbeat comment: shorter than
        /// the idle timeouts of proxies between the server and its clients (often 60 s).
        public var eventStreamHeartbeat: Duration = .seconds(15)
        /// The loops' in-memory state, checked against the store at `GET /v1/state/check`.
        public var clusterState: ClusterState?
        /// The long-poll allowance, shared by every listener made from copies of these options
        /// (the API and the Consul catalog): one client's polls count once, wherever they park,
        /// and `berth_watches_waiting` counts them all.
        let watches = SharedWatchLimiter()

        public init() {}
    }

    /// The router with every route registered; exposed so tests can compare it with the spec.
    public static func makeRouter(store: Store, options: Options = .init()) -> Router<BerthRequestContext> {
        let router = Router(context: BerthRequestContext.self)
        let catalog = RouteCatalog()
        let limiter = options.watches.limiter(maxPerClient: options.maxWatchesPerClient)
        router.add(middleware: RequestGate(
            routes: catalog,
            authentication: options.authenticator.map { Authentication(store: store, authenticator: $0) },
            limiter: limiter
        ))
        let answers = AnswerCache(hub: store.hub)
        SystemRoutes(store: store, metrics: options.metrics, limiter: limiter).register(on: router)
        NodeRoutes(store: store, answers: answers).register(on: router)
        ServiceRoutes(store: store, answers: answers).register(on: router)
        JobRoutes(store: store, answers: answers).register(on: router)
        ContainerRoutes(store: store).register(on: router)
        DiscoveryRoutes(store: store).register(on: router)
        NetworkRoutes(store: store).register(on: router)
        EventRoutes(store: store, heartbeat: options.eventStreamHeartbeat).register(on: router)
        BackupRoutes(store: store).register(on: router)
        StateRoutes(state: options.clusterState).register(on: router)
        SummaryRoutes(store: store, state: options.clusterState).register(on: router)
        DashboardRoutes().register(on: router)
        TokenRoutes(store: store, authenticator: options.authenticator ?? TokenAuthenticator(store: store)).register(on: router)
        catalog.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    /// The registered routes as `METHOD /path/{param}`, in the spec's notation.
    public static func routeList(store: Store) -> [String] {
        makeRouter(store: store, options: {
            var options = Options()
            options.metrics = PrometheusCollectorRegistry()
            return options
        }()).routes.map { route in
            "\(route.method.rawValue) \(Authentication.specRoute(route.path.description))"
        }.sorted()
    }

    /// The application, ready to run as a service.
    public static func makeApplication(
        store: Store, host: String, port: Int, options: Options = .init(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol & ServiceLifecycle.Service {
        Application(
            router: makeRouter(store: store, options: options),
            server: try serverBuilder(options),
            configuration: .init(address: .hostname(host, port: port), serverName: "berth"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }

    /// HTTP/1.1 (over TLS when configured) with the connection guards every Berth listener
    /// shares: the small first read buffer, the client-gone watcher, idle and header limits.
    static func serverBuilder(_ options: Options) throws -> HTTPServerBuilder {
        let http1 = HTTP1Channel.Configuration(
            additionalChannelHandlers: [ReadBufferSizer(), ClientGoneWatcher()],
            idleTimeout: options.idleTimeout,
            httpDecoderConfiguration: .init(
                maxHeaderFieldSize: options.maxHeaderBytes, maxHeaderListSize: options.maxHeaderBytes, maxHeaderFieldCount: 100
            )
        )
        if let tls = options.tls { return try .tls(.http1(configuration: http1), tlsConfiguration: tls) }
        return .http1(configuration: http1)
    }
}

/// Answers every parked long-poll when shutdown begins, so the HTTP server can drain its
/// in-flight requests at once instead of waiting out their `wait`. Run it after the server in
/// the service group: groups stop services in reverse order.
public struct WatchReleaseService: ServiceLifecycle.Service {
    let store: Store

    public init(store: Store) { self.store = store }

    public func run() async throws {
        try? await gracefulShutdown()
        store.hub.shutdown()
    }
}
