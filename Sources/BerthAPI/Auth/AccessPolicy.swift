import BerthCore

/// Who may call what: a pure function of the caller, the route and its parameters, so the whole
/// table is tested without a server.
///
/// Roles as in the issue: `admin` does everything; `reader` does every GET and watch except the
/// backup (it holds the whole database) and the token list; `agent` writes for its one node only,
/// and reads what its node's data plane needs: every node (peers' subnets, addresses, VTEP MACs),
/// networks (backends), services and their targets (VIPs), and the feed of those kinds. It never
/// sees other nodes' containers, leases, tokens or backups. Discovery (`/v1/discovery/prometheus`)
/// is a reader's read like any other; an agent may not (and the Consul catalog, on its own
/// listener, takes reader and admin tokens only, see `ConsulGate`).
public enum AccessPolicy {
    /// A request as the policy sees it: method, the route pattern in the spec's notation
    /// (`/v1/nodes/{name}`), the path's `{name}`, and the `node` and `kind` query parameters.
    public struct Call: Sendable, Equatable {
        public var method: String
        public var route: String
        public var name: String?
        public var nodeQuery: String?
        /// `?kind=` as sent (`node,service`), unparsed.
        public var kindQuery: String?

        public init(method: String, route: String, name: String? = nil, nodeQuery: String? = nil, kindQuery: String? = nil) {
            self.method = method
            self.route = route
            self.name = name
            self.nodeQuery = nodeQuery
            self.kindQuery = kindQuery
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

    /// Routes anyone may call: liveness for load balancers, the public contract, and the
    /// dashboard's files (they hold no data; every call the page makes for data sends a token).
    static let publicRoutes: Set<String> = ["GET /healthz", "GET /v1/openapi.yaml", "GET /ui", "GET /ui/{file}"]
    /// Reads that only an admin may make.
    static let adminOnlyReads: Set<String> = ["/v1/backup", "/v1/tokens"]
    /// What an agent may read of the whole cluster: its data plane routes to every peer, tunnels
    /// per network and programs every service's VIP to its targets.
    static let agentClusterReads: Set<String> = [
        "/v1/nodes", "/v1/nodes/{name}", "/v1/networks", "/v1/networks/{name}",
        "/v1/services", "/v1/services/{name}", "/v1/services/{name}/targets", "/v1/targets",
    ]
    /// The kinds an agent may follow in the feed without `node=`: those of `agentClusterReads`.
    /// Containers (other nodes'), leases and everything at once stay closed.
    public static let agentFeedKinds: Set<ObjectKind> = [.node, .network, .service, .target]

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
        /// `what` says what is refused, given the other node's name.
        func ownNode(_ asked: String?, _ what: (String) -> String) -> Decision {
            asked == node ? .allow : .forbidden("an agent token for node \(node) may not \(what(asked.map { "node \($0)" } ?? "every node"))")
        }
        switch (call.method, call.route) {
        case ("GET", let route) where agentClusterReads.contains(route):
            return .allow
        case ("PUT", "/v1/nodes/{name}"), ("POST", "/v1/nodes/{name}/heartbeat"):
            return ownNode(call.name) { "act for \($0)" }
        case ("GET", "/v1/containers"):
            return ownNode(call.nodeQuery) { "list the containers of \($0) (add ?node=\(node))" }
        case ("GET", "/v1/events"), ("GET", "/v1/events/stream"):
            if call.nodeQuery != nil { return ownNode(call.nodeQuery) { "follow the containers of \($0)" } }
            return agentFeed(node: node, kinds: call.kindQuery)
        case ("GET", "/v1/containers/{id}"), ("PUT", "/v1/containers/{id}/status"):
            return .allowIfContainerOn(id: call.name ?? "", node: node)
        default:
            return .forbidden("an agent token may not call \(call.method) \(call.route)")
        }
    }

    /// The feed without `node=`: only kinds among `agentFeedKinds`. A part that names no kind at
    /// all is allowed through for the route to refuse with a 400 naming `kind`, which is the
    /// more useful answer to a typo; a known kind outside the set is 403.
    private static func agentFeed(node: String, kinds: String?) -> Decision {
        let allowed = agentFeedKinds.map(\.rawValue).sorted().joined(separator: ",")
        guard let kinds else {
            return .forbidden("an agent token may follow only its node's containers (?node=\(node)) or the kinds \(allowed) (?kind=\(allowed))")
        }
        for part in kinds.split(separator: ",", omittingEmptySubsequences: false) {
            if let kind = ObjectKind(rawValue: String(part)), !agentFeedKinds.contains(kind) {
                return .forbidden("an agent token may not follow \(kind.rawValue) events without ?node=\(node); it may follow \(allowed)")
            }
        }
        return .allow
    }
}
