import BerthCore
import GRDB

/// Which services the ingress rules name (`ingress_sources`): a service some rule names is a
/// policy source, and only a source's target document lists its members and logs an event when
/// a container starts or stops. Without that, every replica of every service starting would log
/// its service's whole member list: O(replicas²) event bytes for a service nobody's policy needs.
enum IngressSources {
    /// Whether some service's rules name `service` (one primary-key probe).
    static func isSource(_ db: Database, _ service: String) throws -> Bool {
        try Bool.fetchOne(db.cachedStatement(sql: "SELECT EXISTS (SELECT 1 FROM ingress_sources WHERE source = ?)"), arguments: [service]) ?? false
    }

    /// Records the services `rules` name as `service`'s sources and returns the names that
    /// were added or dropped: their documents may have gained or lost their members.
    static func replace(_ db: Database, service: String, rules: [IngressRule]) throws -> Set<String> {
        let old = try named(db, by: service)
        let new = Set(rules.flatMap(\.from).compactMap { source -> String? in
            if case .service(let name) = source { return name }
            return nil
        })
        guard old != new else { return [] }
        try db.executeCached(sql: "DELETE FROM ingress_sources WHERE service = ?", arguments: [service])
        for source in new.sorted() {
            try db.executeCached(sql: "INSERT INTO ingress_sources (source, service) VALUES (?, ?)", arguments: [source, service])
        }
        return old.symmetricDifference(new)
    }

    /// The services `service`'s rules name.
    static func named(_ db: Database, by service: String) throws -> Set<String> {
        Set(try String.fetchAll(db.cachedStatement(sql: "SELECT source FROM ingress_sources WHERE service = ?"), arguments: [service]))
    }
}
