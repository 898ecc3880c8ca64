import BerthClient
import Foundation
import Testing

/// A client that checks every answer against the contract: the operation exists in the spec,
/// the status is one the spec documents for it, errors carry the JSON error body, and 2xx
/// answers from `/v1` carry `X-Berth-Index`.
struct SpecCheckedClient: Sendable {
    let client: BerthClient

    @discardableResult
    func send(_ method: String, _ path: String, body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        let reply = try await client.send(method, path, body: body.map { Data($0.utf8) })
        let spec = OpenAPIDocument.shared
        guard let operation = spec.operation(method: method, path: path) else {
            if reply.status != 404 && reply.status != 405 {
                Issue.record("\(method) \(path) is not in the spec but answered \(reply.status)", sourceLocation: sourceLocation)
            }
            return reply
        }
        let documented = spec.statuses[operation] ?? []
        #expect(documented.contains(reply.status),
                "\(method) \(operation.path) answered \(reply.status), documented: \(documented.sorted())", sourceLocation: sourceLocation)
        if reply.status >= 400 {
            let error = try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]
            let inner = error?["error"] as? [String: Any]
            #expect(inner?["code"] is String && inner?["message"] is String,
                    "error body is not {\"error\":{\"code\",\"message\"}}: \(reply.text)", sourceLocation: sourceLocation)
            // The spec: `field` is present exactly when the code is invalid_argument.
            #expect((inner?["field"] is String) == (inner?["code"] as? String == "invalid_argument"),
                    "an invalid_argument error names its field, and no other does: \(reply.text)", sourceLocation: sourceLocation)
        } else if path.hasPrefix("/v1") {
            #expect(reply.index != nil, "\(method) \(path) has no X-Berth-Index", sourceLocation: sourceLocation)
        }
        return reply
    }

    func get(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        try await send("GET", path, sourceLocation: sourceLocation)
    }

    func put(_ path: String, _ body: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        try await send("PUT", path, body: body, sourceLocation: sourceLocation)
    }

    func post(_ path: String, _ body: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        try await send("POST", path, body: body, sourceLocation: sourceLocation)
    }

    func delete(_ path: String, sourceLocation: SourceLocation = #_sourceLocation) async throws -> BerthClient.Reply {
        try await send("DELETE", path, sourceLocation: sourceLocation)
    }
}

/// JSON of an answer as a dictionary, for quick field checks.
func json(_ reply: BerthClient.Reply) -> [String: Any] {
    (try? JSONSerialization.jsonObject(with: reply.body) as? [String: Any]) ?? [:]
}

func errorCode(_ reply: BerthClient.Reply) -> String? {
    (json(reply)["error"] as? [String: Any])?["code"] as? String
}

/// The `field` an invalid_argument error names.
func errorField(_ reply: BerthClient.Reply) -> String? {
    (json(reply)["error"] as? [String: Any])?["field"] as? String
}

func errorMessage(_ reply: BerthClient.Reply) -> String {
    ((json(reply)["error"] as? [String: Any])?["message"] as? String) ?? ""
}

let nodeBody = #"{"address":"192.0.2.10","labels":{"zone":"a","disk":"ssd"},"capacity":{"cpu":4000,"memory":8192},"availability":"active"}"#
