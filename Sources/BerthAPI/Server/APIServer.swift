import BerthCore
import BerthStore
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// Builds Berth's HTTP server: the `/v1` routes over one store, behind the error middleware.
public enum APIServer {
    /// The router with every route registered; exposed so tests can compare it with the spec.
    public static func makeRouter(store: Store) -> Router<BasicRequestContext> {
        let router = Router(context: BasicRequestContext.self)
        router.add(middleware: ErrorMiddleware())
        SystemRoutes(store: store).register(on: router)
        NodeRoutes(store: store).register(on: router)
        ServiceRoutes(store: store).register(on: router)
        ContainerRoutes(store: store).register(on: router)
        NetworkRoutes(store: store).register(on: router)
        EventRoutes(store: store).register(on: router)
        BackupRoutes(store: store).register(on: router)
        return router
    }

    /// The registered routes as `METHOD /path/{param}`, in the spec's notation.
    public static func routeList(store: Store) -> [String] {
        makeRouter(store: store).routes.map { route in
            let path = route.path.description.split(separator: "/").map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
            return "\(route.method.rawValue) /\(path)"
        }.sorted()
    }

    /// The application, ready to run as a service.
    public static func makeApplication(
        store: Store, host: String, port: Int, logger: Logger,
        onServerRunning: @escaping @Sendable (Int) async -> Void = { _ in }
    ) -> some ApplicationProtocol & ServiceLifecycle.Service {
        Application(
            router: makeRouter(store: store),
            configuration: .init(address: .hostname(host, port: port), serverName: "berth"),
            onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? port) },
            logger: logger
        )
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
