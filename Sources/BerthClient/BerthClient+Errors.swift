import Foundation

/// A non-2xx answer, carrying the server's stable `code` and its human `message` separately so
/// callers can branch on the code (`cas_failed`, `compacted`) and show the message as it is.
public struct APIFailure: Error, Sendable, CustomStringConvertible {
    public var status: Int
    public var code: String
    public var message: String

    public init(status: Int, code: String, message: String) {
        self.status = status
        self.code = code
        self.message = message
    }

    /// Reads `{"error":{"code":...,"message":...}}`; a body without it (a proxy's page) is kept as text.
    public init(_ reply: BerthClient.Reply) {
        struct Body: Decodable {
            struct Detail: Decodable { var code: String; var message: String }
            var error: Detail
        }
        if let body = try? JSONDecoder().decode(Body.self, from: reply.body) {
            self.init(status: reply.status, code: body.error.code, message: body.error.message)
        } else {
            let text = reply.text.trimmingCharacters(in: .whitespacesAndNewlines)
            let message = text.isEmpty ? "the server answered \(reply.status)" : "the server answered \(reply.status): \(text.prefix(200))"
            self.init(status: reply.status, code: "http_\(reply.status)", message: message)
        }
    }

    public var description: String { message }
}

extension BerthClient {
    /// Returns the reply if it is 2xx, else throws the server's error as an `APIFailure`.
    public func checked(_ reply: Reply) throws(APIFailure) -> Reply {
        guard (200..<300).contains(reply.status) else { throw APIFailure(reply) }
        return reply
    }
}
