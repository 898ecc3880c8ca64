@testable import BerthAPI
import BerthCore
import Testing

/// The role table, without a server.
@Suite struct AccessPolicyTests {
    typealias Call = AccessPolicy.Call

    static let cases: [(Principal?, Call, AccessPolicy.Decision)] = [
        (nil, Call(method: "GET", route: "/healthz"), .allow),
        (nil, Call(method: "GET", route: "/v1/openapi.yaml"), .allow),
        (nil, Call(method: "GET", route: "/v1/nodes"), .unauthenticated),
        (nil, Call(method: "GET", route: "/metrics"), .unauthenticated),
        (.admin, Call(method: "DELETE", route: "/v1/nodes/{name}", name: "n1"), .allow),
        (.admin, Call(method: "GET", route: "/v1/backup"), .allow),
        (.reader, Call(method: "GET", route: "/v1/services/{name}/targets", name: "web"), .allow),
        (.reader, Call(method: "GET", route: "/metrics"), .allow),
        (.reader, Call(method: "PUT", route: "/v1/services/{name}", name: "web"), .forbidden("a reader token may not write")),
        (.reader, Call(method: "GET", route: "/v1/backup"), .forbidden("a reader token may not read /v1/backup")),
        (.agent(node: "n1"), Call(method: "PUT", route: "/v1/nodes/{name}", name: "n1"), .allow),
        (.agent(node: "n1"), Call(method: "POST", route: "/v1/nodes/{name}/heartbeat", name: "n1"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/containers", nodeQuery: "n1"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", nodeQuery: "n1"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/containers/{id}", name: "c1"), .allowIfContainerOn(id: "c1", node: "n1")),
        (.agent(node: "n1"), Call(method: "PUT", route: "/v1/containers/{id}/status", name: "c1"), .allowIfContainerOn(id: "c1", node: "n1")),
        // What an agent's data plane reads of the whole cluster.
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/nodes"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/nodes/{name}", name: "n1"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/nodes/{name}", name: "n2"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/networks"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/networks/{name}", name: "default"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/services"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/services/{name}", name: "web"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/services/{name}/targets", name: "web"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", kindQuery: "node,service,target"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", kindQuery: "network"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", kindQuery: "target,node,network,service,node"), .allow),
        // A kind that names nothing is the route's to refuse (400 naming `kind`), not a 403.
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", kindQuery: "nodes"), .allow),
        (.agent(node: "n1"), Call(method: "GET", route: "/v1/events", nodeQuery: "n1", kindQuery: "container"), .allow),
    ]

    @Test(arguments: 0..<cases.count)
    func decides(_ i: Int) {
        let (principal, call, expected) = Self.cases[i]
        #expect(AccessPolicy.decide(principal, call) == expected, "\(String(describing: principal)) \(call.method) \(call.route)")
    }

    /// What an agent for n1 is refused.
    static let agentRefusals: [Call] = [
        Call(method: "PUT", route: "/v1/nodes/{name}", name: "n2"),
        Call(method: "POST", route: "/v1/nodes/{name}/heartbeat", name: "n2"),
        Call(method: "DELETE", route: "/v1/nodes/{name}", name: "n1"),
        Call(method: "DELETE", route: "/v1/nodes/{name}", name: "n2"),
        Call(method: "GET", route: "/v1/containers"),
        Call(method: "GET", route: "/v1/containers", nodeQuery: "n2"),
        Call(method: "GET", route: "/v1/events"),
        Call(method: "GET", route: "/v1/events", nodeQuery: "n2"),
        Call(method: "GET", route: "/v1/events", nodeQuery: "n2", kindQuery: "node"),
        Call(method: "GET", route: "/v1/events", kindQuery: "container"),
        Call(method: "GET", route: "/v1/events", kindQuery: "lease"),
        Call(method: "GET", route: "/v1/events", kindQuery: "node,service,container"),
        Call(method: "GET", route: "/v1/events", kindQuery: "node,lease"),
        Call(method: "GET", route: "/v1/events", kindQuery: "node,service,target,network,container,lease"),
        Call(method: "POST", route: "/v1/containers"),
        Call(method: "DELETE", route: "/v1/containers/{id}", name: "c1"),
        Call(method: "PUT", route: "/v1/services/{name}", name: "web"),
        Call(method: "DELETE", route: "/v1/services/{name}", name: "web"),
        Call(method: "PUT", route: "/v1/networks/{name}", name: "default"),
        Call(method: "GET", route: "/v1/tokens"),
        Call(method: "POST", route: "/v1/tokens"),
        Call(method: "GET", route: "/v1/backup"),
        Call(method: "GET", route: "/v1/leases"),
        Call(method: "GET", route: "/v1/leases", nodeQuery: "n1"),
    ]

    @Test(arguments: agentRefusals)
    func agentsMayDoNothingElse(_ call: Call) {
        guard case .forbidden = AccessPolicy.decide(.agent(node: "n1"), call) else {
            Issue.record("agent n1 may \(call.method) \(call.route) name=\(call.name ?? "-") node=\(call.nodeQuery ?? "-") kind=\(call.kindQuery ?? "-")")
            return
        }
    }

    /// `/v1/events/stream` streams the feed: every caller is judged on it exactly as on
    /// `/v1/events`, with the same parameters.
    @Test func theEventStreamIsDecidedAsTheFeed() {
        let feedCalls = (Self.cases.map(\.1) + Self.agentRefusals).filter { $0.route == "/v1/events" }
        #expect(feedCalls.count >= 14)
        for principal in [nil, .admin, .reader, .agent(node: "n1")] as [Principal?] {
            for call in feedCalls {
                var stream = call
                stream.route = "/v1/events/stream"
                #expect(AccessPolicy.decide(principal, stream) == AccessPolicy.decide(principal, call),
                        "\(String(describing: principal)) node=\(call.nodeQuery ?? "-") kind=\(call.kindQuery ?? "-")")
            }
        }
    }

    /// Every route the spec documents, for an agent: a write is allowed only for its own node
    /// and its containers' status, whatever the route's name and parameters.
    @Test func anAgentWritesNothingButItsNodeAndItsContainersStatus() {
        let writable: Set<String> = ["PUT /v1/nodes/{name}", "POST /v1/nodes/{name}/heartbeat", "PUT /v1/containers/{id}/status"]
        for operation in OpenAPIDocument.shared.statuses.keys where operation.method != "GET" {
            let key = "\(operation.method) \(operation.path)"
            for name in ["n1", "n2", "c1"] {
                let decision = AccessPolicy.decide(.agent(node: "n1"), Call(method: operation.method, route: operation.path, name: name, nodeQuery: "n1"))
                switch decision {
                case .allow:
                    #expect(writable.contains(key) && name == "n1", "agent n1 may \(key) name=\(name)")
                case .allowIfContainerOn(_, let node):
                    #expect(key == "PUT /v1/containers/{id}/status" && node == "n1", "agent n1 may \(key) name=\(name)")
                case .forbidden, .unauthenticated:
                    break
                }
            }
        }
    }
}

/// The `Authorization` header's parsing, without a server.
@Suite struct BearerHeaderTests {
    @Test(arguments: [
        ("Bearer berth_abc", "berth_abc"), ("bearer berth_abc", "berth_abc"), ("BEARER  berth_abc ", "berth_abc"),
    ])
    func readsTheSecret(_ header: String, _ secret: String) {
        #expect(Authentication.bearer(header) == secret)
    }

    @Test(arguments: ["Basic dXNlcjpwYXNz", "Bearer", "Bearer ", "Bearer   ", "Bearerx abc", "Bearer\tabc", ""])
    func refusesAnythingElse(_ header: String) {
        #expect(Authentication.bearer(header) == nil)
    }
}
