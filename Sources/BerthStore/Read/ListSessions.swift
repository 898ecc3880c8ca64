import BerthCore
import GRDB
import Synchronization

/// The open snapshots that let a long list be read page by page, every page at the change index
/// of the first.
///
/// A list longer than one page opens a read transaction of its own (GRDB's `DatabaseSnapshot`,
/// on its own connection) and keeps it while the client pages; SQLite's WAL keeps serving that
/// snapshot however much is written meanwhile. A session ends with its last page, after
/// `idleTimeout` without a page, or when `capacity` newer sessions push it out; a token that
/// continues an ended session is a 410 (`expired`), and the client lists again.
final class ListSessions: Sendable {
    struct Session: Sendable {
        var snapshot: DatabaseSnapshot
        var index: UInt64
        var list: String
    }

    private struct State {
        var sessions: [UInt64: Session] = [:]
        /// Each session's last use, for pushing out the least recently used.
        var lastUsed: [UInt64: Duration] = [:]
        var nextID: UInt64 = 0
    }

    private let state = Mutex(State())
    private let clock: any BerthClock
    private let expiry: DeadlineTimer
    let idleTimeout: Duration
    let capacity: Int

    init(clock: any BerthClock, idleTimeout: Duration = .seconds(60), capacity: Int = 32) {
        self.clock = clock
        self.idleTimeout = idleTimeout
        self.capacity = capacity
        expiry = DeadlineTimer(clock: clock)
        expiry.onExpire { [weak self] ids in
            for id in ids { self?.close(id) }
        }
    }

    var count: Int { state.withLock { $0.sessions.count } }

    /// Keeps `session` for later pages; returns its id.
    func open(_ session: Session) -> UInt64 {
        let now = clock.uptime
        let (id, evicted) = state.withLock { state -> (UInt64, Session?) in
            var evicted: Session?
            if state.sessions.count >= capacity, let oldest = state.lastUsed.min(by: { $0.value < $1.value })?.key {
                evicted = state.sessions.removeValue(forKey: oldest)
                state.lastUsed[oldest] = nil
                expiry.cancel(oldest)
            }
            state.nextID += 1
            state.sessions[state.nextID] = session
            state.lastUsed[state.nextID] = now
            return (state.nextID, evicted)
        }
        _ = evicted  // its snapshot's transaction ends as it is released, outside the lock
        expiry.add(id, at: now + idleTimeout)
        return id
    }

    /// The session a token continues, its idle time restarted; nil once it has ended.
    func resume(_ id: UInt64) -> Session? {
        let now = clock.uptime
        let session = state.withLock { state -> Session? in
            guard let session = state.sessions[id] else { return nil }
            state.lastUsed[id] = now
            return session
        }
        if session != nil { expiry.add(id, at: now + idleTimeout) }
        return session
    }

    func close(_ id: UInt64) {
        let session = state.withLock { state -> Session? in
            state.lastUsed[id] = nil
            return state.sessions.removeValue(forKey: id)
        }
        expiry.cancel(id)
        _ = session  // released here, outside the lock
    }

    func closeAll() {
        let all = state.withLock { state -> [UInt64: Session] in
            defer { state.sessions = [:]; state.lastUsed = [:] }
            return state.sessions
        }
        for id in all.keys { expiry.cancel(id) }
    }
}
