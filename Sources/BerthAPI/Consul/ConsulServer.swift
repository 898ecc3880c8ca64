import BerthCore
import BerthStore
import Hummingbird
import Logging
import ServiceLifecycle

/// The Consul-compatible catalog's listener (`berth serve --consul-listen`): a second HTTP
/// application beside the API, in the same service group, over the same store and change hub.
/// Read-only; its contract is `api-spec/consul.yaml`.
public enum ConsulServer {
    /// The router with the Consul routes behind `ConsulGate`. `options` are the API's: the same
    /// tokens, long-poll allowance, connection limits and TLS.
    public static func makeRouter(store: Store, host: String, options: APIServer.Options = .init()) -> Router<BerthRequestContext> {
        let router = Router(context: BerthRequestContext.self)
        let catalog = RouteCatalog()
        router.add(middleware: ConsulGate(
            store: store, routes: catalog, authenticator: options.authenticator,
            limiter: options.watches.limiter(maxPerClient: options.maxWatchesPerClient)
        ))
        ConsulRoutes(store: store, blocking: ConsulBlocking(store: store, indexes: ConsulIndexes()), host: host).register(on: router)
        catalog.load(router.routes.map { (path: $0.path.description, method: $0.method.rawValue) })
        return router
    }

    /// The served routes as `METHOD /path/{param}`, in the spec's notation (`**` as `{key}`).
    public static func routeList(store: Store) -> [String] {
        makeRouter(store: store, host: "127.0.0.1").routes.map { route in
            "\(route.method.rawValue) \(Authentication.specRoute(route.path.description).replacingOccurrences(of: "**", with: "{key}"))"
        }.sorted()
    }

    public static func makeApplication(
        store: Store, host: String, port: Int, options: APIServer.Options = .init(), logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) throws -> some ApplicationProtocol & ServiceLifecycle.Service {
        Application(
            router: makeRouter(store: store, host: host, options: options),
            server: try APIServer.serverBuilder(options),
            configuration: .init(address: .hostname(host, port: port), serverName: "berth-consul"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
    }
}
