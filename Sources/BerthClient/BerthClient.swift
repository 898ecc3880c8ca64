import AsyncHTTPClient
import BerthCore
import Foundation
import NIOCore
import NIOHTTP1
import NIOSSL
import Synchronization

/// A small client for Berth's HTTP API, used by the CLI, the agent, the load-balancer follower,
/// the benchmarks and end-to-end tests.
///
/// Built on AsyncHTTPClient (SwiftNIO and swift-nio-ssl), so HTTPS can trust a cluster's own CA
/// from a file, which Foundation's URLSession on Linux cannot.
public struct BerthClient: Sendable {
    public let server: URL
    /// The bearer token sent with every request (`BERTH_TOKEN` for the CLI), if any.
    public let token: String?
    /// A PEM file of CA certificates to trust for `https` servers, instead of the system's.
    public let caFile: String?
    let http: HTTPClient

    public init(server: URL, token: String? = nil, caFile: String? = nil) {
        self.server = server
        self.token = token.flatMap { $0.isEmpty ? nil : $0 }
        self.caFile = caFile
        self.http = SharedHTTPClients.client(caFile: caFile)
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
            return try decoder.decodeChecked(type, from: body)
        }
    }

    /// The longest any request may take: longer than the longest blocking query (10 minutes).
    static let requestTimeout: TimeAmount = .seconds(700)
    /// The largest answer read (a backup of a big cluster is the largest).
    static let maxBody = 1 << 34

    /// Sends one request; `path` may carry a query string. `headers` are added as given (a
    /// Consul client's `X-Consul-Token`, say).
    public func send(
        _ method: String, _ path: String, body: Data? = nil, contentType: String = "application/json", headers extra: [String: String] = [:]
    ) async throws -> Reply {
        guard let url = URL(string: path, relativeTo: server) else { throw ClientError.badPath(path) }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = HTTPMethod(rawValue: method)
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        for (name, value) in extra.sorted(by: { $0.key < $1.key }) { request.headers.replaceOrAdd(name: name, value: value) }
        if let body {
            request.body = .bytes(ByteBuffer(bytes: body))
            request.headers.add(name: "Content-Type", value: contentType)
        }
        do {
            let response = try await http.execute(request, timeout: Self.requestTimeout)
            let buffer = try await response.body.collect(upTo: Self.maxBody)
            var headers: [String: String] = [:]
            for header in response.headers { headers[header.name.lowercased()] = header.value }
            return Reply(
                status: Int(response.status.code), index: headers["x-berth-index"].flatMap(UInt64.init),
                body: Data(buffer.readableBytesView), headers: headers
            )
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ClientError.unreachable(server: server.absoluteString, detail: Self.describe(error))
        }
    }

    /// A transport failure in a few words: "connection refused", "certificate verify failed".
    static func describe(_ error: any Error) -> String {
        if let error = error as? HTTPClientError, error == .cancelled { return "cancelled" }
        let text = String(describing: error)
        if text.contains("connectionRefused") || text.contains("Connection refused") { return "connection refused" }
        if let error = error as? NIOSSLError { return "TLS failed: \(error)" }
        if text.contains("handshakeFailed") || text.contains("CERTIFICATE_VERIFY_FAILED") {
            return "TLS handshake failed (is --ca-file the CA that signed the server's certificate?): \(text.prefix(200))"
        }
        return text.replacingOccurrences(of: "\n", with: " ").prefix(300).description
    }

    public func get(_ path: String) async throws -> Reply { try await send("GET", path) }

    /// The same server with another token.
    public func withToken(_ token: String?) -> BerthClient { BerthClient(server: server, token: token, caFile: caFile) }

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
    /// No HTTP answer at all: refused, reset, timed out, TLS failed.
    case unreachable(server: String, detail: String)

    public var description: String {
        switch self {
        case .badPath(let path): "invalid request path \(path)"
        case .notHTTP: "the server did not answer over HTTP"
        case .server(let status, let message): "server answered \(status): \(message)"
        case .unreachable(let server, let detail): "cannot reach the server at \(server): \(detail)"
        }
    }

}

/// The process's HTTP clients, one per trust configuration, made on first use and kept for the
/// life of the process (as `HTTPClient.shared` is), so a `BerthClient` is a cheap value to copy
/// and never needs shutting down.
enum SharedHTTPClients {
    private static let clients = Mutex<[String: HTTPClient]>([:])

    static func client(caFile: String?) -> HTTPClient {
        clients.withLock { clients in
            let key = caFile ?? ""
            if let client = clients[key] { return client }
            var configuration = HTTPClient.Configuration()
            if let caFile {
                var tls = TLSConfiguration.makeClientConfiguration()
                tls.trustRoots = .file(caFile)
                configuration.tlsConfiguration = tls
            }
            configuration.redirectConfiguration = .disallow
            configuration.timeout.connect = .seconds(10)
            // Agents and load balancers hold long-polls while they write: allow many connections.
            configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 1024
            let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: configuration)
            clients[key] = client
            return client
        }
    }
}
