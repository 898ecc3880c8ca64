import BerthCore
import BerthNetwork

/// The service plane's view of every service, from the documents it listed and the changes it
/// followed: the rules it programs for each, and the services whose latest document it could
/// not turn into rules.
///
/// Such a service's programming stops where it was (its last readable rules stay), with its
/// reason in `refused`, and no new container of it starts (`PolicyAdmission`). One the agent
/// never could read is programmed closed (`ServiceInput.closed`): its containers here admit
/// nobody. Rules are never read as fewer than the server gave.
struct ServiceRulesView: Sendable {
    private(set) var rules: [String: ServiceRules.Service] = [:]
    private(set) var refused: [String: String] = [:]

    /// Every service, from a (re)list: the services not in it are gone.
    mutating func replaceAll(_ documents: [ServiceDocument]) {
        let names = Set(documents.map(\.service))
        rules = rules.filter { names.contains($0.key) }
        refused = [:]
        for document in documents { update(document) }
    }

    /// A service's new document (a `target` event).
    mutating func update(_ document: ServiceDocument) {
        switch document {
        case .readable(let targets):
            do {
                rules[targets.service] = try ServiceInput.service(targets)
                refused[targets.service] = nil
            } catch {
                refused[targets.service] = error.description
            }
        case .unreadable(let service, let reason):
            refused[service] = reason
        }
    }

    mutating func remove(_ name: String) {
        rules[name] = nil
        refused[name] = nil
    }

    /// Every service the rules know of.
    var names: Set<String> { Set(rules.keys).union(refused.keys) }

    /// The services to program: the rules of each, and a closed placeholder for each refused
    /// service without earlier rules.
    var services: [ServiceRules.Service] {
        var all = Array(rules.values)
        for name in refused.keys where rules[name] == nil { all.append(ServiceInput.closed(name)) }
        return all
    }
}
