import BerthCore
import HeapModule
import Synchronization

/// Many deadlines served by one clock timer, set for the earliest of a heap of them.
///
/// (A timer per waiter outlived the waiter when a change answered it first: ten thousand
/// answered polls left ten thousand armed timers for the rest of their wait, scattered small
/// allocations that kept hundreds of megabytes of freed heap from being reused or returned.)
/// A cancelled deadline stays in the heap until it comes due or until stale entries outnumber
/// live ones, when the heap is rebuilt from the live ones.
final class DeadlineTimer: Sendable {
    private struct Entry: Comparable {
        var at: Duration
        var id: UInt64
        static func < (a: Entry, b: Entry) -> Bool { (a.at, a.id) < (b.at, b.id) }
    }

    private struct State {
        var heap = Heap<Entry>()
        /// The live deadline of each id; a heap entry that disagrees is stale.
        var live: [UInt64: Duration] = [:]
        /// What the timer is set for (nil: not set).
        var armedAt: Duration?
        /// Set only with the state locked, so the latest setting always wins.
        var timer: (any ClockTimer)?
        var expire: (@Sendable ([UInt64]) -> Void)?

        mutating func arm(_ at: Duration?) {
            armedAt = at
            if let at { timer?.set(at: at) }
        }
    }

    private let clock: any BerthClock
    private let state = Mutex(State())

    init(clock: any BerthClock) {
        self.clock = clock
        let fire: @Sendable () -> Void = { [weak self] in self?.fireDue() }
        let timer = clock.makeTimer(fire)
        state.withLock { $0.timer = timer }
    }

    /// Sets what is called, off any lock of this timer, with the ids whose deadline has come.
    func onExpire(_ expire: @escaping @Sendable ([UInt64]) -> Void) {
        state.withLock { $0.expire = expire }
    }

    deinit { state.withLock { $0.timer?.cancel() } }

    /// Deadlines not yet come due or cancelled.
    var count: Int { state.withLock { $0.live.count } }

    /// `timeout` from now on the clock, saturating far in the future.
    func deadline(after timeout: Duration) -> Duration {
        let cap = Duration.seconds(Int64(1) << 40)
        return clock.uptime + min(max(timeout, .zero), cap)
    }

    /// Calls `expire([id])` once the clock reaches `at`, unless cancelled first.
    func add(_ id: UInt64, at: Duration) {
        state.withLock { state in
            state.live[id] = at
            if state.heap.count > 2 * state.live.count + 1024 {
                state.heap = Heap(state.live.map { Entry(at: $0.value, id: $0.key) })
            } else {
                state.heap.insert(Entry(at: at, id: id))
            }
            if state.armedAt.map({ at < $0 }) ?? true { state.arm(at) }
        }
    }

    func cancel(_ id: UInt64) {
        state.withLock { _ = $0.live.removeValue(forKey: id) }
    }

    /// Takes out what is due, sets the timer for the next deadline, and expires the due ids.
    private func fireDue() {
        let now = clock.uptime
        let (due, expire) = state.withLock { state -> ([UInt64], (@Sendable ([UInt64]) -> Void)?) in
            var due: [UInt64] = []
            while let first = state.heap.min, first.at <= now {
                state.heap.removeMin()
                if state.live[first.id] == first.at {
                    state.live[first.id] = nil
                    due.append(first.id)
                }
            }
            state.arm(state.heap.min?.at)
            return (due, state.expire)
        }
        if !due.isEmpty { expire?(due) }
    }
}
