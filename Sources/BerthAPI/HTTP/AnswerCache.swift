import BerthCore
import BerthStore
import Synchronization

/// The encoded answers of single-object reads (`GET /v1/nodes/{name}`, `/v1/services/{name}`),
/// each kept until a commit touches its object: a read served from here skips the database and
/// the JSON encoder, and is exactly what a read at the cache's index would return.
///
/// It follows the store's change hub, which tells it of every commit before the waiters that
/// commit answers are resumed, so a woken long-poll never reads an answer its wake-up made stale.
final class AnswerCache: Sendable {
    private struct State {
        /// The index of the last commit the cache has heard of.
        var current: UInt64
        var answers: [ObjectKey: [UInt8]] = [:]
    }

    /// Kinds whose JSON holds figures derived from containers (a node's `allocated`, a
    /// service's `runningReplicas`): any container change may move them.
    private static let derivedFromContainers: Set<ObjectKind> = [.node, .service]
    /// The most answers kept; past it the memory is dropped and filled again by later reads.
    private let capacity: Int
    private let state: Mutex<State>

    init(hub: ChangeHub, capacity: Int = 100_000) {
        self.capacity = capacity
        state = Mutex(State(current: hub.current))
        hub.observe { [weak self] publication in self?.forget(publication) }
    }

    /// The remembered answer for `key` and the index it is current at, if any.
    func answer(for key: ObjectKey) -> (body: [UInt8], index: UInt64)? {
        state.withLock { state in state.answers[key].map { ($0, state.current) } }
    }

    /// Remembers the answer for `key` read from a snapshot at `index`; ignored unless no commit
    /// was published since that snapshot (a newer one could have changed the object).
    func remember(_ body: [UInt8], for key: ObjectKey, readAt index: UInt64) {
        state.withLock { state in
            guard index == state.current else { return }
            if state.answers.count >= capacity { state.answers.removeAll() }
            state.answers[key] = body
        }
    }

    /// Forgets what a commit changed, and everything derived from containers if it changed one.
    func forget(_ publication: ChangeHub.Publication) {
        state.withLock { state in
            guard publication.index > state.current else { return }
            state.current = publication.index
            guard !state.answers.isEmpty else { return }
            var containers = false
            for change in publication.changes {
                state.answers[change] = nil
                if change.kind == .container { containers = true }
            }
            if containers { state.answers = state.answers.filter { !Self.derivedFromContainers.contains($0.key.kind) } }
        }
    }
}
