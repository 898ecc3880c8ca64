import BerthCore
import Foundation
import GRDB

/// Bearer tokens. Token writes are not cluster state: they take no change index and log no
/// event, so watchers never see them.
public enum TokenRepository {
    /// Makes a token and returns it with its secret, which is stored only as a hash.
    public static func create(_ tx: WriteTransaction, spec: TokenSpec) throws -> IssuedToken {
        try spec.validate()
        let secret = TokenSecret.generate()
        let token = Token(
            id: TokenSecret.newID(), role: spec.role, node: spec.node, description: spec.description, createdAt: tx.now
        )
        try tx.db.executeCached(
            sql: "INSERT INTO tokens (id, hash, role, node, description, created_at) VALUES (?, ?, ?, ?, ?, ?)",
            arguments: [token.id, TokenSecret.hash(secret), token.role.rawValue, token.node, token.description,
                        token.createdAt.timeIntervalSince1970]
        )
        return IssuedToken(token: token, secret: secret)
    }

    /// Tokens by age; a page after `cursor` when given.
    static func list(_ db: Database, after cursor: ListCursor? = nil, limit: Int? = nil) throws -> [Token] {
        var clause = ""
        var arguments: StatementArguments = []
        if let cursor {
            let fields = cursor.fields
            guard fields.count == 2, let bits = UInt64(fields[0]) else {
                throw BerthError.invalidArgument(field: "next", message: "is not a continuation token of a token list")
            }
            clause = " WHERE (created_at, id) > (?, ?)"
            arguments += [Double(bitPattern: bits), fields[1]]
        }
        arguments += [limit ?? -1]
        return try db.rows(sql: "SELECT * FROM tokens\(clause) ORDER BY created_at, id LIMIT ?", arguments: arguments).map(token(from:))
    }

    /// Revokes a token; nil when there is no such token. Revoking twice keeps the first time.
    public static func revoke(_ tx: WriteTransaction, id: String) throws -> Token? {
        try tx.db.executeCached(
            sql: "UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
            arguments: [tx.now.timeIntervalSince1970, id]
        )
        return try tx.db.rows(sql: "SELECT * FROM tokens WHERE id = ?", arguments: [id]).first.map(token(from:))
    }

    /// The live token whose secret hashes to `hash`, or nil when it is unknown or revoked.
    public static func identify(_ db: Database, hash: String) throws -> Token? {
        try db.rows(sql: "SELECT * FROM tokens WHERE hash = ? AND revoked_at IS NULL", arguments: [hash]).first.map(token(from:))
    }

    /// Whether any admin token can still be used: the server makes one on first start otherwise.
    public static func hasActiveAdmin(_ db: Database) throws -> Bool {
        try db.value(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM tokens WHERE role = 'admin' AND revoked_at IS NULL)") ?? false
    }

    public static func isEmpty(_ db: Database) throws -> Bool {
        try !(db.value(Bool.self, sql: "SELECT EXISTS (SELECT 1 FROM tokens)") ?? false)
    }

    private static func token(from row: Row) throws -> Token {
        guard let role = TokenRole(rawValue: row["role"]) else {
            throw BerthError.unavailable("token \(row["id"] as String? ?? "?") has an unknown role; run berth check")
        }
        let revoked: Double? = row["revoked_at"]
        return Token(
            id: row["id"], role: role, node: row["node"], description: row["description"],
            createdAt: Date(timeIntervalSince1970: row["created_at"]), revokedAt: revoked.map(Date.init(timeIntervalSince1970:))
        )
    }
}
