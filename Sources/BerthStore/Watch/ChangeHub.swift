import BerthCore
import Dispatch
import HeapModule
import Synchronization

/// Wakes blocked readers when a committed write touches what they watch.
///
/// This is the in-process side of the change index: the store publishes every commit here, and
/// a blocking query parks on `wait`. A parked waiter is a suspended continuation — no thread and
/// no database connection — so ten thousand of them cost memory only.
///
/// Deadlines share one dispatch timer, set for the earliest of a heap of them. (A timer per
/// waiter outlived the waiter when a change answered it first: ten thousand answered polls left
/// ten thousand armed timers for the rest of their wait, scattered small allocations that kept
/// hundreds of megabytes of freed heap from being reused or returned.)
public final class ChangeHub: Sendable {
    private struct Waiter {
        var internalWaiter: Bool
        var after: UInt64
        var filter: WatchFilter
        var continuation: CheckedContinuation<Void, Never>
        /// `DispatchTime` uptime, in nanoseconds.
        var deadline: UInt64
    }

    /// What a waiter is filed under, so a publish finds the waiters it concerns without looking
    /// at every parked one.
    private enum Interest: Hashable {
        case object(ObjectKey)
        case kind(ObjectKind)
        case containersOnNode(String)

        static func of(_ filter: WatchFilter) -> [Interest] {
            if let node = filter.node { return [.containersOnNode(node)] }
            return filter.kinds.map { kind in filter.name.map { .object(ObjectKey(kind, $0)) } ?? .kind(kind) }
        }
    }

    private struct Deadline: Comparable {
        var at: UInt64
        var id: UInt64
        static func < (a: Deadline, b: Deadline) -> Bool { (a.at, a.id) < (b.at, b.id) }
    }

    private struct State {
        var current: UInt64
        /// The last index at which each kind changed; a waiter behind it returns at once.
        var kindIndex: [ObjectKind: UInt64]
        var waiters: [UInt64: Waiter] = [:]
        /// Waiter ids by what they watch.
        var interested: [Interest: Set<UInt64>] = [:]
        /// Ids whose task was cancelled before they parked.
        var cancelled: Set<UInt64> = []
        var nextID: UInt64 = 0
        var closed = false
        /// Encoded answers of single-object reads, each valid until a publish touches it.
        var answers: [ObjectKey: [UInt8]] = [:]
        /// The waiters' deadlines; an answered waiter's entry stays until it comes due, or until
        /// stale entries outnumber live ones and the heap is rebuilt.
        var deadlines = Heap<Deadline>()
        /// When the timer is set to fire (`UInt64.max`: not set).
        var timerAt = UInt64.max
    }

    /// Kinds whose JSON holds figures derived from containers (a node's `allocated`, a
    /// service's `runningReplicas`): any container change may move them.
    private static let derivedFromContainers: Set<ObjectKind> = [.node, .service]
    /// The most answers kept; past it the memory is dropped and filled again by later reads.
    private static let maxAnswers = 100_000

    private let state: Mutex<State>
    /// Dispatch sources are thread-safe; Dispatch does not mark them `Sendable`. Set only with
    /// `state` locked.
    private nonisolated(unsafe) let timer: any DispatchSourceTimer
    /// How late a deadline may be answered, so the timer can coalesce wake-ups.
    private static let leeway = DispatchTimeInterval.milliseconds(10)

    /// `current` is the index the database holds; every kind counts as changed at it, so a
    /// waiter from before a restart answers at once rather than missing a change.
    public init(current: UInt64) {
        state = Mutex(State(current: current, kindIndex: Dictionary(uniqueKeysWithValues: ObjectKind.allCases.map { ($0, current) })))
        timer = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "berth.changehub.deadlines"))
        timer.setEventHandler { [weak self] in self?.expireDue() }
        timer.activate()
    }

    deinit { timer.cancel() }

    /// The index of the last published commit.
    public var current: UInt64 { state.withLock { $0.current } }

    /// How many readers are parked now.
    public var waiting: Int { state.withLock { $0.waiters.count } }

    /// Announces a commit. Call after the transaction is durable, never before. `containerNodes`
    /// are the nodes of the containers it changed (as their events record them).
    public func publish(index: UInt64, changes: some Collection<ObjectKey>, containerNodes: Set<String> = []) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard index > state.current else { return [] }
            state.current = index
            var interests = Set(containerNodes.map(Interest.containersOnNode))
            for change in changes {
                state.kindIndex[change.kind] = index
                state.answers[change] = nil
                interests.insert(.object(change))
                interests.insert(.kind(change.kind))
            }
            if interests.contains(.kind(.container)), !state.answers.isEmpty {
                state.answers = state.answers.filter { !Self.derivedFromContainers.contains($0.key.kind) }
            }
            var concerned = Set<UInt64>()
            for interest in interests {
                if let ids = state.interested[interest] { concerned.formUnion(ids) }
            }
            var woken: [CheckedContinuation<Void, Never>] = []
            for id in concerned where index > (state.waiters[id]?.after ?? .max) {
                if let waiter = Self.remove(id, from: &state) { woken.append(waiter.continuation) }
            }
            return woken
        }
        for continuation in woken { continuation.resume() }
    }

    /// The remembered answer for `key` and the index it is current at, if any: a read served
    /// from here skips the database and the JSON encoder, and is exactly what a read at that
    /// index would return (any commit touching the object forgets the answer as it publishes).
    public func answer(for key: ObjectKey) -> (body: [UInt8], index: UInt64)? {
        state.withLock { state in state.answers[key].map { ($0, state.current) } }
    }

    /// Remembers the answer for `key` read from a snapshot at `index`; ignored unless nothing
    /// was published since that snapshot (a newer commit could have changed the object).
    public func remember(_ body: [UInt8], for key: ObjectKey, readAt index: UInt64) {
        state.withLock { state in
            guard index == state.current, !state.closed else { return }
            if state.answers.count >= Self.maxAnswers { state.answers.removeAll() }
            state.answers[key] = body
        }
    }

    /// Returns once something matching `filter` changed after index `after`, when `timeout`
    /// passes, when the task is cancelled, or when the hub shuts down — whichever is first.
    /// An internal waiter (a reconciliation loop) is not released by `shutdown`: loops stop
    /// through their own graceful shutdown, after the HTTP server.
    public func wait(after: UInt64, filter: WatchFilter, timeout: Duration, isInternal: Bool = false) async {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        let abandonment = isInternal ? nil : Abandonment.current
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let parked = state.withLock { state -> Bool in
                    if (state.closed && !isInternal) || state.cancelled.remove(id) != nil { return false }
                    // An index from the future (a restored, older database) answers at once.
                    if after > state.current { return false }
                    if filter.kinds.contains(where: { (state.kindIndex[$0] ?? 0) > after }) { return false }
                    let deadline = Self.deadline(after: timeout)
                    state.waiters[id] = Waiter(
                        internalWaiter: isInternal, after: after, filter: filter, continuation: continuation, deadline: deadline
                    )
                    for interest in Interest.of(filter) { state.interested[interest, default: []].insert(id) }
                    if state.deadlines.count > 2 * state.waiters.count + 1024 {
                        state.deadlines = Heap(state.waiters.map { Deadline(at: $0.value.deadline, id: $0.key) })
                    } else {
                        state.deadlines.insert(Deadline(at: deadline, id: id))
                    }
                    if deadline < state.timerAt { setTimer(&state, at: deadline) }
                    return true
                }
                guard parked else {
                    continuation.resume()
                    return
                }
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
        let continuation = state.withLock { state -> CheckedContinuation<Void, Never>? in
            if let waiter = Self.remove(id, from: &state) { return waiter.continuation }
            if !parked { state.cancelled.insert(id) }
            return nil
        }
        continuation?.resume()
    }

    /// Answers the waiters whose time is up, and sets the timer for the next deadline.
    private func expireDue() {
        let now = DispatchTime.now().uptimeNanoseconds
        let due = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            var due: [CheckedContinuation<Void, Never>] = []
            while let first = state.deadlines.min, first.at <= now {
                state.deadlines.removeMin()
                if state.waiters[first.id]?.deadline == first.at, let waiter = Self.remove(first.id, from: &state) {
                    due.append(waiter.continuation)
                }
            }
            state.timerAt = .max
            if let next = state.deadlines.min { setTimer(&state, at: next.at) }
            return due
        }
        for continuation in due { continuation.resume() }
    }

    /// Takes a waiter out of the hub and out of the indexes that lead to it.
    private static func remove(_ id: UInt64, from state: inout State) -> Waiter? {
        guard let waiter = state.waiters.removeValue(forKey: id) else { return nil }
        for interest in Interest.of(waiter.filter) {
            state.interested[interest]?.remove(id)
            if state.interested[interest]?.isEmpty == true { state.interested[interest] = nil }
        }
        return waiter
    }

    /// Sets the one timer; called with the state locked, so the latest setting always wins.
    private func setTimer(_ state: inout State, at deadline: UInt64) {
        state.timerAt = deadline
        timer.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline), leeway: Self.leeway)
    }

    /// `DispatchTime` uptime `timeout` from now, in nanoseconds, saturating.
    private static func deadline(after timeout: Duration) -> UInt64 {
        let (seconds, attoseconds) = timeout.components
        let nanos = seconds >= Int64(UInt64.max / 1_000_000_000) / 2 ? UInt64.max / 2
            : UInt64(max(0, seconds)) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
        let (sum, overflow) = DispatchTime.now().uptimeNanoseconds.addingReportingOverflow(nanos)
        return overflow ? UInt64.max - 1 : sum
    }

    /// Releases every waiter and makes later waits return at once: used on shutdown so that
    /// parked long-polls are answered instead of holding the server open.
    public func shutdown() {
        let all = state.withLock { state -> [CheckedContinuation<Void, Never>] in
            state.closed = true
            let released = state.waiters.filter { !$0.value.internalWaiter }
            for id in released.keys { _ = Self.remove(id, from: &state) }
            return released.values.map(\.continuation)
        }
        for continuation in all { continuation.resume() }
    }
}
