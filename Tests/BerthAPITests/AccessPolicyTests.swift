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
    ]

    @Test(arguments: 0..<cases.count)
    func decides(_ i: Int) {
        let (principal, call, expected) = Self.cases[i]
        #expect(AccessPolicy.decide(principal, call) == expected, "\(String(describing: principal)) \(call.method) \(call.route)")
    }

    @Test(arguments: [
        Call(method: "PUT", route: "/v1/nodes/{name}", name: "n2"),
        Call(method: "DELETE", route: "/v1/nodes/{name}", name: "n1"),
        Call(method: "GET", route: "/v1/containers"),
        Call(method: "GET", route: "/v1/containers", nodeQuery: "n2"),
        Call(method: "GET", route: "/v1/events"),
        Call(method: "POST", route: "/v1/containers"),
        Call(method: "GET", route: "/v1/services"),
        Call(method: "GET", route: "/v1/tokens"),
        Call(method: "GET", route: "/v1/leases"),
    ])
    func agentsMayDoNothingElse(_ call: Call) {
        guard case .forbidden = AccessPolicy.decide(.agent(node: "n1"), call) else {
            Issue.record("agent n1 may \(call.method) \(call.route) name=\(call.name ?? "-") node=\(call.nodeQuery ?? "-")")
            return
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
