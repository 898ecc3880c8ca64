import BerthClient
import Foundation
import Testing

/// A 400 names the input it is about in `error.field`, a stable member a client (or the
/// fuzzer's hooks) matches on instead of the message: body paths, the body as a whole, query
/// and path parameters.
@Suite struct ErrorFieldTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var method: String
        var path: String
        var body: String?
        var field: String
        var testDescription: String { "\(method) \(path) → \(field)" }
    }

    static let cases: [Case] = [
        Case(method: "PUT", path: "/v1/nodes/n1", body: #"{"address":"10.0.0.1","capacity":{"cpu":0,"memory":1}}"#, field: "capacity.cpu"),
        Case(method: "PUT", path: "/v1/nodes/n1", body: #"{"address":"10.0.0.1","capacity":{"cpu":1.5,"memory":10}}"#, field: "capacity.cpu"),
        Case(method: "PUT", path: "/v1/nodes/n1", body: #"{"address":"10.0.0.1"}"#, field: "capacity"),
        Case(method: "PUT", path: "/v1/nodes/n1", body: #"[]"#, field: "body"),
        Case(method: "PUT", path: "/v1/nodes/n1", body: "", field: "body"),
        Case(method: "PUT", path: "/v1/services/web", body: #"{"template":{"image":"x"},"update":{"delay":"soon"}}"#, field: "update.delay"),
        Case(method: "PUT", path: "/v1/services/web", body: #"{"template":{"image":"x","ports":[{"name":"a","containerPort":1},{"name":"a","containerPort":2}]}}"#,
             field: "template.ports[1].name"),
        Case(method: "PUT", path: "/v1/services/web", body: #"{"template":{"image":"x"},"replica":3}"#, field: "replica"),
        Case(method: "GET", path: "/v1/nodes?index=1&wait=forever", body: nil, field: "wait"),
        Case(method: "GET", path: "/v1/nodes?index=x", body: nil, field: "index"),
        Case(method: "GET", path: "/v1/events?limit=0", body: nil, field: "limit"),
        Case(method: "PUT", path: "/v1/nodes/Not_A_Label", body: #"{"address":"10.0.0.1","capacity":{"cpu":1,"memory":1}}"#, field: "name"),
        Case(method: "GET", path: "/v1/containers/zz", body: nil, field: "id"),
    ]

    @Test(arguments: cases)
    func aBadRequestNamesItsField(_ c: Case) async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.send(c.method, c.path, body: c.body)
            #expect(reply.status == 400)
            #expect(errorCode(reply) == "invalid_argument")
            #expect(errorField(reply) == c.field, "\(reply.text)")
        }
    }

    @Test func otherErrorsNameNoField() async throws {
        try await LiveServer.with { server in
            let missing = try await server.client.get("/v1/nodes/n1")
            #expect(missing.status == 404)
            #expect(errorField(missing) == nil)
            #expect(json(missing)["error"] is [String: Any])
        }
    }
}
