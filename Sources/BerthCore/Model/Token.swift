import Foundation

/// What a bearer token may do.
public enum TokenRole: String, Sendable, Codable, CaseIterable {
    /// Everything, including tokens and backups.
    case admin
    /// Every read and watch, but no writes (and no backups: they hold the whole database).
    case reader
    /// One node's agent: registers and heartbeats that node, reads and reports its containers.
    case agent
}

/// Who a request acts as, once its token has been checked.
public enum Principal: Sendable, Hashable {
    case admin
    case reader
    case agent(node: String)

    public var role: TokenRole {
        switch self {
        case .admin: .admin
        case .reader: .reader
        case .agent: .agent
        }
    }
}

/// A token as listed: everything but the secret, which the server never keeps.
public struct Token: Sendable, Hashable, Codable {
    public var id: String
    public var role: TokenRole
    @NullWhenAbsent public var node: String?
    public var description: String
    public var createdAt: Date
    @NullWhenAbsent public var revokedAt: Date?

    public init(id: String, role: TokenRole, node: String?, description: String, createdAt: Date, revokedAt: Date? = nil) {
        self.id = id
        self.role = role
        self.node = node
        self.description = description
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    public var principal: Principal {
        switch role {
        case .admin: .admin
        case .reader: .reader
        case .agent: .agent(node: node ?? "")
        }
    }
}

/// A newly made token: the only time its secret is shown.
public struct IssuedToken: Sendable, Hashable, Codable {
    public var token: Token
    public var secret: String

    public init(token: Token, secret: String) {
        self.token = token
        self.secret = secret
    }
}

/// What a client sends to make a token (`POST /v1/tokens`).
public struct TokenSpec: Sendable, Hashable, Codable, StrictDecodable {
    public var role: TokenRole
    public var node: String?
    @Defaulted public var description: String

    public init(role: TokenRole, node: String? = nil, description: String = "") {
        self.role = role
        self.node = node
        self.description = description
    }

    public func validate() throws(BerthError) {
        switch (role, node) {
        case (.agent, nil):
            throw .invalidArgument(field: "node", message: "an agent token needs the node it acts for")
        case (.agent, let node?):
            try Rules.name(node, field: "node")
        case (_, .some):
            throw .invalidArgument(field: "node", message: "only agent tokens are bound to a node")
        case (_, nil):
            break
        }
        try Rules.length(description, 0...256, field: "description")
    }
}
