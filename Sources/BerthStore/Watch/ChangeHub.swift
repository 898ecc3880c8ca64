import BerthCore
import Synchronization

/// Wakes blocked readers when a committed write touches what they watch.
///
/// This is the in-process side of the change index: the store publishes every commit here, and
/// a blocking query parks on `wait`. A parked waiter is a suspended continuation — no thread and
/// no database connection — so ten thousand of them cost memory only. Three parts: the
/// `WaiterIndex` (who waits for what), the `DeadlineTimer` (when each wait runs out, on the
/// injected clock) and the publication observers (caches kept beside the hub, such as the API's
/// answer cache and the DNS zone, which forget or reload what a commit changed).
public final class ChangeHub: Sendable {
    /// One commit, as observers see it.
    public struct Publication: Sendable {
        public var index: UInt64
        public var changes: [ObjectKey]
        /// The nodes of the containers the commit changed (as their events record them).
        public var containerNodes: Set<String>
    }

    private typealias Continuation = CheckedContinuation<Void, Never>

    private struct State {
        var index: WaiterIndex<Continuation>
        /// Ids whose task was cancelled (or whose client left) before they parked.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
        var closed = false
        var observers: [@Sendable (Publication) -> Void] = []
    }

    private let state: Mutex<State>
    private let timer: DeadlineTimer

    /// `current` is the index the database holds; every kind counts as changed at it, so a
    /// waiter from before a restart answers at once rather than missing a change.
    public init(current: UInt64, clock: any BerthClock = SystemClock()) {
        state = Mutex(State(index: WaiterIndex(current: current)))
        timer = DeadlineTimer(clock: clock)
        timer.onExpire { [weak self] ids in self?.expire(ids) }
    }

    /// The index of the last published commit.
    public var current: UInt64 { state.withLock { $0.index.current } }

    /// How many readers are parked now.
    public var waiting: Int { state.withLock { $0.index.count } }

    /// Whether `shutdown` ran: every later wait returns at once, so a caller that waits in a
    /// loop (the Consul catalog's content-checked blocking queries) must stop looping.
    public var isShutDown: Bool { state.withLock { $0.closed } }

    /// Calls `observer` with every later publication, synchronously, before the waiters it
    /// answers are resumed (so a cache it clears is clear by the time they read).
    public func observe(_ observer: @escaping @Sendable (Publication) -> Void) {
        state.withLock { $0.observers.append(observer) }
    }

    /// Announces a commit. Call after the transaction is durable, never before. `containerNodes`
    /// are the nodes of the containers it changed (as their events record them).
    public func publish(index: UInt64, changes: some Collection<ObjectKey>, containerNodes: Set<String> = []) {
        let published = state.withLock { state in
            state.index.publish(index: index, changes: changes, containerNodes: containerNodes).map { ($0, state.observers) }
        }
        guard let (woken, observers) = published else { return }
        if !observers.isEmpty {
            let publication = Publication(index: index, changes: Array(changes), containerNodes: containerNodes)
            for observer in observers { observer(publication) }
        }
        for (id, waiter) in woken {
            timer.cancel(id)
            waiter.payload.resume()
        }
    }

    /// Returns once something matching `filter` changed after index `after`, when `timeout`
    /// passes on the hub's clock, when the task is cancelled, or when the hub shuts down —
    /// whichever is first. An internal waiter (a reconciliation loop) is not released by
    /// `shutdown`: loops stop through their own graceful shutdown, after the HTTP server.
    public func wait(after: UInt64, filter: WatchFilter, timeout: Duration, isInternal: Bool = false) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let abandonment = isInternal ? nil : Abandonment.current
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: Continuation) in
                let parked = state.withLock { state -> Bool in
                    if (state.closed && !isInternal) || state.cancelled.remove(id) != nil { return false }
                    if state.index.isAnswered(after: after, filter: filter) { return false }
                    state.index.insert(id, .init(after: after, filter: filter, isInternal: isInternal, payload: continuation))
                    return true
                }
                guard parked else {
                    continuation.resume()
                    return
                }
                timer.add(id, at: timer.deadline(after: timeout))
                // A client that went away ends its wait as a cancellation would.
                abandonment?.onAbandon { [self] in release(id, parked: true) }
            }
        } onCancel: {
            release(id, parked: false)
        }
        abandonment?.clear()
        // A cancelled id that never parked must not linger.
        state.withLock { _ = $0.cancelled.remove(id) }
    }

    /// Ends a wait early (its task was cancelled, or its client went away): the waiter is
    /// answered if parked, or — when it may not have parked yet — told not to.
    private func release(_ id: UInt64, parked: Bool) {
        let continuation = state.withLock { state -> Continuation? in
            if let waiter = state.index.remove(id) { return waiter.payload }
            if !parked { state.cancelled.insert(id) }
            return nil
        }
        timer.cancel(id)
        continuation?.resume()
    }

    /// Answers the waiters whose time is up.
    private func expire(_ ids: [UInt64]) {
        let due = state.withLock { state in ids.compactMap { state.index.remove($0)?.payload } }
        for continuation in due { continuation.resume() }
    }

    /// Releases every waiter and makes later waits return at once: used on shutdown so that
    /// parked long-polls are answered instead of holding the server open.
    public func shutdown() {
        let released = state.withLock { state -> [Continuation] in
            state.closed = true
            return state.index.removeExternal().map(\.payload)
        }
        for continuation in released { continuation.resume() }
    }
}
