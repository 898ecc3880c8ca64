import BerthCore
import BerthStore
import Foundation
import HTTPTypes
import Hummingbird

/// Checks the bearer token and the caller's role before a route runs, so a forbidden write is
/// refused before its body is read or validated.
struct Authentication: Sendable {
    let store: Store
    let authenticator: TokenAuthenticator

    /// The caller's identity (nil: no token, on an open route), or a 401/403 error.
    func admit(_ request: Request, _ context: BerthRequestContext, route: String) async throws -> TokenAuthenticator.Identity? {
        // Open routes ignore credentials: a probe with a stale token is still answered.
        if AccessPolicy.isPublic(method: request.method.rawValue, route: route) { return nil }
        // A path under /ui that no route serves is a plain 404 (or 405), with or without a
        // token: no handler runs for it, so nothing can be read through it.
        if route == "unmatched", DashboardHeaders.covers(request.uri.path) { return nil }
        var identity: TokenAuthenticator.Identity?
        if let header = request.headers[.authorization] {
            guard let secret = Self.bearer(header) else {
                throw APIError(status: .unauthorized, code: "unauthenticated",
                               message: "the Authorization header must be \"Bearer TOKEN\"")
            }
            guard let known = try await authenticator.authenticate(secret: secret) else {
                throw APIError(status: .unauthorized, code: "unauthenticated", message: "the token is unknown or revoked")
            }
            identity = known
        }
        let call = AccessPolicy.Call(
            method: request.method.rawValue,
            route: route,
            name: context.parameters.get("name") ?? context.parameters.get("id"),
            nodeQuery: request.uri.queryParameters.get("node"),
            kindQuery: request.uri.queryParameters.get("kind")
        )
        switch AccessPolicy.decide(identity?.principal, call) {
        case .allow:
            break
        case .unauthenticated:
            throw APIError(status: .unauthorized, code: "unauthenticated",
                           message: "this call needs a token: send \"Authorization: Bearer TOKEN\"")
        case .forbidden(let why):
            throw APIError(status: .forbidden, code: "forbidden", message: why)
        case .allowIfContainerOn(let id, let node):
            // nil: no such container (the route answers 404); .some(nil): not placed anywhere.
            let found: String?? = try await store.read { try $0.node(ofContainer: id) }.value
            if let placed = found, placed != node {
                throw APIError(status: .forbidden, code: "forbidden",
                               message: "an agent token for node \(node) may not touch a container of \(placed.map { "node \($0)" } ?? "no node")")
            }
        }
        return identity
    }

    /// The secret of `Bearer SECRET` (the scheme in any case, spaces around the secret
    /// ignored). Runs on every request, so it scans bytes rather than splitting and trimming.
    static func bearer(_ header: String) -> String? {
        let bytes = Array(header.utf8)
        let scheme = Array("bearer".utf8)
        guard bytes.count > scheme.count, bytes[scheme.count] == UInt8(ascii: " "),
              zip(bytes, scheme).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
        var start = scheme.count
        var end = bytes.count
        while start < end, bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t") { start += 1 }
        while end > start, bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t") { end -= 1 }
        return start < end ? String(decoding: bytes[start..<end], as: UTF8.self) : nil
    }

    /// `/v1/nodes/:name` → `/v1/nodes/{name}`, the notation of the spec and the policy.
    static func specRoute(_ path: String) -> String {
        "/" + path.split(separator: "/").map { part in
            part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
        }.joined(separator: "/")
    }
}
