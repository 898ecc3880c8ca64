import BerthCore
import BerthStore
import Hummingbird

/// `/v1/tokens`: making, listing and revoking bearer tokens (admin only, by the access policy).
struct TokenRoutes<Context: RequestContext> {
    let store: Store
    let authenticator: TokenAuthenticator

    func register(on router: Router<Context>) {
        router.get("/v1/tokens") { request, _ in
            let page = try await store.list(try Query(request).page("tokens"), cursor: StoreReader.cursor) { reader, after, limit in
                try reader.tokens(after: after, limit: limit)
            }
            return try JSONResponse.page(page)
        }
        router.post("/v1/tokens") { request, _ in
            let spec = try await RequestBody.decode(TokenSpec.self, from: request)
            let issued = try await store.write { tx in try TokenRepository.create(tx, spec: spec) }
            authenticator.forget()
            return try JSONResponse.make(IssuedTokenBody(issued), index: store.hub.current, status: .created)
        }
        router.delete("/v1/tokens/:id") { _, context in
            let id = try context.parameters.require("id")
            let revoked = try await store.write { tx in try TokenRepository.revoke(tx, id: id) }
            authenticator.forget()
            guard let revoked else {
                throw APIError(status: .notFound, code: "not_found", message: "token \"\(id.prefix(64))\" not found")
            }
            return try JSONResponse.make(revoked, index: store.hub.current)
        }
    }
}

/// A new token as answered: the token's fields and, this once, its `secret`.
struct IssuedTokenBody: Encodable, Sendable {
    var issued: IssuedToken

    init(_ issued: IssuedToken) { self.issued = issued }

    enum Key: String, CodingKey { case secret }

    func encode(to encoder: any Encoder) throws {
        try issued.token.encode(to: encoder)
        var c = encoder.container(keyedBy: Key.self)
        try c.encode(issued.secret, forKey: .secret)
    }
}
