import BerthCore

/// Who may call what: a pure function of the caller, the route and its parameters, so the whole
/// table is tested without a server.
///
/// Roles as in the issue: `admin` does everything; `reader` does every GET and watch except the
/// backup (it holds the whole database) and the token list; `agent` acts for its one node only.
public enum AccessPolicy {
    /// A request as the policy sees it: method, the route pattern in the spec's notation
    /// (`/v1/nodes/{name}`), the path's `{name}` and the `node` query parameter.
    public struct Call: Sendable, Equatable {
        public var method: String
        public var route: String
        public var name: String?
        public var nodeQuery: String?

        public init(method: String, route: String, name: String? = nil, nodeQuery: String? = nil) {
            self.method = method
            self.route = route
            self.name = name
            self.nodeQuery = nodeQuery
        }
    }

    public enum Decision: Sendable, Equatable {
        case allow
        /// No usable token (401).
        case unauthenticated
        /// A token that may not do this (403), and why.
        case forbidden(String)
        /// Allowed only if container `id` runs on `node`: the caller looks it up.
        case allowIfContainerOn(id: String, node: String)
    }

    /// Routes anyone may call: liveness for load balancers and the public contract.
    static let publicRoutes: Set<String> = ["GET /healthz", "GET /v1/openapi.yaml"]
    /// Reads that only an admin may make.
    static let adminOnlyReads: Set<String> = ["/v1/backup", "/v1/tokens"]

    public static func isPublic(method: String, route: String) -> Bool {
        publicRoutes.contains("\(method) \(route)")
    }

    public static func decide(_ principal: Principal?, _ call: Call) -> Decision {
        if isPublic(method: call.method, route: call.route) { return .allow }
        guard let principal else { return .unauthenticated }
        let isRead = call.method == "GET" || call.method == "HEAD"
        switch principal {
        case .admin:
            return .allow
        case .reader:
            if isRead, !adminOnlyReads.contains(call.route) { return .allow }
            return .forbidden(isRead ? "a reader token may not read \(call.route)" : "a reader token may not write")
        case .agent(let node):
            return decideAgent(node: node, call)
        }
    }

    private static func decideAgent(node: String, _ call: Call) -> Decision {
        func ownNode(_ asked: String?, what: String) -> Decision {
            asked == node ? .allow : .forbidden("an agent token for node \(node) may not \(what) of node \(asked ?? "(any)")")
        }
        switch (call.method, call.route) {
        case ("GET", "/v1/nodes/{name}"), ("PUT", "/v1/nodes/{name}"), ("POST", "/v1/nodes/{name}/heartbeat"):
            return ownNode(call.name, what: "act for or read")
        case ("GET", "/v1/containers"), ("GET", "/v1/events"):
            return ownNode(call.nodeQuery, what: "list the containers (add ?node=\(node))")
        case ("GET", "/v1/containers/{id}"), ("PUT", "/v1/containers/{id}/status"):
            return .allowIfContainerOn(id: call.name ?? "", node: node)
        default:
            return .forbidden("an agent token may not call \(call.method) \(call.route)")
        }
    }
}
