import Hummingbird
import Synchronization

/// The methods each route pattern serves, so a known path asked with another method is a 405
/// with `Allow`, not a 404. Filled once the routes are registered.
final class RouteCatalog: Sendable {
    /// Pattern segments (a `nil` segment is a parameter) and the methods served there.
    private let table = Mutex<[(segments: [String?], methods: Set<String>)]>([])

    func load(_ routes: [(path: String, method: String)]) {
        var grouped: [[String?]: Set<String>] = [:]
        for route in routes {
            let segments = route.path.split(separator: "/").map { part -> String? in
                part.hasPrefix(":") || part.hasPrefix("{") ? nil : String(part)
            }
            grouped[segments, default: []].insert(route.method)
        }
        table.withLock { $0 = grouped.map { ($0.key, $0.value) } }
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
