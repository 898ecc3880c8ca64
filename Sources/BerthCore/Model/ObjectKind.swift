/// The kinds of object the cluster state holds; each has its own table, events and watch index.
public enum ObjectKind: String, Sendable, Codable, CaseIterable, Hashable {
    case node
    case service
    case container
    case network
    case lease
    /// A service's load-balancer targets, named after the service.
    case target
    /// A run-to-completion job (its spec and status).
    case job
}

/// What a write did to one object, as recorded in the event log.
public enum ChangeOp: String, Sendable, Codable, Hashable {
    case created
    case updated
    case deleted
}
