import BerthCore
import BerthStore
import Synchronization

/// Turns a bearer secret into a principal, remembering the answers so a request costs a hash
/// lookup in memory rather than a database read.
///
/// Only known-good secrets are remembered (an attacker's guesses cannot fill memory), and every
/// token write through this server clears the memory, so a revoked token fails on its very next
/// request.
public final class TokenAuthenticator: Sendable {
    /// Who a secret stands for, and the token's id (the key for per-client limits).
    public struct Identity: Sendable, Equatable {
        public var tokenID: String
        public var principal: Principal
    }

    private struct Memory {
        var identities: [String: Identity] = [:]
        /// Bumped by every `forget`: a lookup that read the database before a revocation must
        /// not remember what it read after it.
        var generation: UInt64 = 0
    }

    private let store: Store
    private let memory = Mutex(Memory())
    private static let maxRemembered = 10_000

    public init(store: Store) {
        self.store = store
    }

    public func authenticate(secret: String) async throws -> Identity? {
        let hash = TokenSecret.hash(secret)
        let (hit, generation) = memory.withLock { ($0.identities[hash], $0.generation) }
        if let hit { return hit }
        let found = try await store.read { try $0.token(hash: hash) }.value
        guard let found else { return nil }
        let identity = Identity(tokenID: found.id, principal: found.principal)
        memory.withLock { memory in
            guard memory.generation == generation else { return }
            if memory.identities.count >= Self.maxRemembered { memory.identities.removeAll() }
            memory.identities[hash] = identity
        }
        return identity
    }

    /// Forgets every remembered answer; called after any token write commits.
    public func forget() {
        memory.withLock { memory in
            memory.identities.removeAll()
            memory.generation += 1
        }
    }
}
