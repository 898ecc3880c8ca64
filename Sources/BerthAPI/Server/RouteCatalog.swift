import Hummingbird
import Synchronization

/// The methods each route pattern serves, so a known path asked with another method is a 405
/// with `Allow`, not a 404. Filled once the routes are registered.
final class RouteCatalog: Sendable {
    /// Pattern segments (a `nil` segment is a parameter) and the methods served there.
    private let table = Mutex<[(segments: [String?], methods: Set<String>)]>([])
    /// Router path → the spec's notation (`/v1/nodes/:name` → `/v1/nodes/{name}`), made once:
    /// every request asks for it.
    private let specForms = Mutex<[String: String]>([:])

    func load(_ routes: [(path: String, method: String)]) {
        var grouped: [[String?]: Set<String>] = [:]
        for route in routes {
            let segments = route.path.split(separator: "/").map { part -> String? in
                part.hasPrefix(":") || part.hasPrefix("{") ? nil : String(part)
            }
            grouped[segments, default: []].insert(route.method)
        }
        table.withLock { $0 = grouped.map { ($0.key, $0.value) } }
        var forms: [String: String] = [:]
        for route in routes {
            let spec = Authentication.specRoute(route.path)
            forms[route.path] = spec
            forms[spec] = spec
        }
        specForms.withLock { $0 = forms }
    }

    /// The spec's notation of a matched route's path.
    func specRoute(_ endpointPath: String) -> String {
        specForms.withLock { $0[endpointPath] } ?? Authentication.specRoute(endpointPath)
    }

    /// The methods served at `path`, empty when no route pattern matches it.
    func methods(for path: String) -> Set<String> {
        let parts = path.split(separator: "/").map(String.init)
        return table.withLock { table in
            table.reduce(into: Set<String>()) { found, route in
                guard route.segments.count == parts.count else { return }
                if zip(route.segments, parts).allSatisfy({ $0 == nil || $0 == $1 }) { found.formUnion(route.methods) }
            }
        }
    }
}
