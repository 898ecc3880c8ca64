import BerthCore
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A small client for Berth's HTTP API, used by the CLI, the benchmarks and end-to-end tests.
///
/// Built on Foundation's URLSession so the CLI needs no HTTP stack of its own.
public struct BerthClient: Sendable {
    public let server: URL
    /// The bearer token sent with every request (`BERTH_TOKEN` for the CLI), if any.
    public let token: String?
    private let session: URLSession

    public init(server: URL, token: String? = nil) {
        self.server = server
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        let config = URLSessionConfiguration.ephemeral
        config.timeoutIntervalForRequest = 700  // longer than the longest blocking query
        self.session = URLSession(configuration: config)
    }

    /// An answer: status, the `X-Berth-Index` header, and the raw body.
    public struct Reply: Sendable {
        public var status: Int
        public var index: UInt64?
        public var body: Data
        public var headers: [String: String]

        public var text: String { String(decoding: body, as: UTF8.self) }

        public func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let decoder = JSONDecoder()
            decoder.dateDecodingStrategy = .iso8601
            return try decoder.decode(type, from: body)
        }
    }

    /// Sends one request; `path` may carry a query string.
    public func send(_ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json") async throws -> Reply {
        guard let url = URL(string: path, relativeTo: server) else { throw ClientError.badPath(path) }
        var request = URLRequest(url: url)
        request.httpMethod = method
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        if let body {
            request.httpBody = body
            request.setValue(contentType, forHTTPHeaderField: "Content-Type")
        }
        let (data, response) = try await session.data(for: request)
        guard let http = response as? HTTPURLResponse else { throw ClientError.notHTTP }
        var headers: [String: String] = [:]
        for (key, value) in http.allHeaderFields {
            if let key = key as? String, let value = value as? String { headers[key.lowercased()] = value }
        }
        return Reply(status: http.statusCode, index: headers["x-berth-index"].flatMap(UInt64.init), body: data, headers: headers)
    }

    public func get(_ path: String) async throws -> Reply { try await send("GET", path) }

    /// The same server with another token.
    public func withToken(_ token: String?) -> BerthClient { BerthClient(server: server, token: token) }

    /// Sends `json` as the body, with PUT unless another method is named.
    public func put(_ path: String, json: some Encodable, method: String = "PUT") async throws -> Reply {
        try await send(method, path, body: try JSONEncoder().encode(json))
    }

    /// Fails with the server's own error message unless the status is 2xx.
    public func expectOK(_ reply: Reply) throws -> Reply {
        guard (200..<300).contains(reply.status) else {
            throw ClientError.server(status: reply.status, message: Self.errorMessage(reply) ?? reply.text)
        }
        return reply
    }

    static func errorMessage(_ reply: Reply) -> String? {
        struct Body: Decodable { struct E: Decodable { var code: String; var message: String }; var error: E }
        return (try? JSONDecoder().decode(Body.self, from: reply.body)).map { "\($0.error.message) (\($0.error.code))" }
    }
}

public enum ClientError: Error, CustomStringConvertible {
    case badPath(String)
    case notHTTP
    case server(status: Int, message: String)

    public var description: String {
        switch self {
        case .badPath(let path): "invalid request path \(path)"
        case .notHTTP: "the server did not answer over HTTP"
        case .server(let status, let message): "server answered \(status): \(message)"
        }
    }
}
