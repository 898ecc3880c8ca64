import Dispatch
import Foundation
import Synchronization

/// A clock that moves only when told to: tests advance it past a deadline and see what fires,
/// with no sleep and no dependence on how fast the machine is.
///
/// `advance(by:)` wakes the sleepers and fires the timers whose time has come, in deadline order,
/// before it returns; callbacks run outside the clock's lock.
public final class ManualClock: BerthClock {
    private struct Sleeper {
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    private struct State {
        var uptime: Duration = .zero
        var origin: Date
        var nextID: UInt64 = 0
        var sleepers: [UInt64: Sleeper] = [:]
        /// Sleepers cancelled before they parked.
        var cancelled: Set<UInt64> = []
        var timers: [ObjectIdentifier: (deadline: Duration, fire: @Sendable () -> Void)] = [:]
    }

    private let state: Mutex<State>

    /// A clock whose wall time starts at `date` (by default a fixed, round moment).
    public init(date: Date = Date(timeIntervalSince1970: 1_800_000_000)) {
        state = Mutex(State(origin: date))
    }

    public var date: Date { state.withLock { $0.origin.addingTimeInterval($0.uptime.timeInterval) } }

    public var uptime: Duration { state.withLock { $0.uptime } }

    /// How many tasks are asleep on this clock: a test advances once the code under test parked.
    public var sleeping: Int { state.withLock { $0.sleepers.count } }

    /// The earliest deadline a sleeper or a timer waits for, if any.
    public var nextDeadline: Duration? {
        state.withLock { state in
            (state.sleepers.values.map(\.deadline) + state.timers.values.map(\.deadline)).min()
        }
    }

    /// Moves the clock forward, waking every sleeper and firing every timer now due.
    public func advance(by duration: Duration) {
        let (woken, fired) = state.withLock { state -> ([CheckedContinuation<Void, any Error>], [@Sendable () -> Void]) in
            state.uptime += max(duration, .zero)
            let now = state.uptime
            let due = state.sleepers.filter { $0.value.deadline <= now }
            for id in due.keys { state.sleepers[id] = nil }
            let timers = state.timers.filter { $0.value.deadline <= now }.sorted { $0.value.deadline < $1.value.deadline }
            for (id, _) in timers { state.timers[id] = nil }
            return (due.values.sorted { $0.deadline < $1.deadline }.map(\.continuation), timers.map(\.value.fire))
        }
        for fire in fired { fire() }
        for continuation in woken { continuation.resume() }
    }

    /// Moves the wall time alone (a clock step, as NTP makes): deadlines are unaffected.
    public func setDate(_ date: Date) {
        state.withLock { $0.origin = date.addingTimeInterval(-$0.uptime.timeInterval) }
    }

    public func sleep(until deadline: Duration) async throws {
        let id = state.withLock { state -> UInt64 in
            state.nextID += 1
            return state.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let parked = state.withLock { state -> Result<Bool, CancellationError> in
                    if state.cancelled.remove(id) != nil { return .failure(CancellationError()) }
                    if deadline <= state.uptime { return .success(false) }
                    state.sleepers[id] = Sleeper(deadline: deadline, continuation: continuation)
                    return .success(true)
                }
                switch parked {
                case .failure(let error): continuation.resume(throwing: error)
                case .success(false): continuation.resume()
                case .success(true): break
                }
            }
        } onCancel: {
            let continuation = state.withLock { state -> CheckedContinuation<Void, any Error>? in
                if let sleeper = state.sleepers.removeValue(forKey: id) { return sleeper.continuation }
                state.cancelled.insert(id)
                return nil
            }
            continuation?.resume(throwing: CancellationError())
        }
    }

    public func makeTimer(_ fire: @escaping @Sendable () -> Void) -> any ClockTimer {
        ManualTimer(clock: self, fire: fire)
    }

    fileprivate func set(_ timer: ManualTimer, at deadline: Duration?) {
        let due = state.withLock { state -> (@Sendable () -> Void)? in
            guard let deadline else {
                state.timers[ObjectIdentifier(timer)] = nil
                return nil
            }
            if deadline <= state.uptime {
                state.timers[ObjectIdentifier(timer)] = nil
                return timer.fire
            }
            state.timers[ObjectIdentifier(timer)] = (deadline, timer.fire)
            return nil
        }
        // Due already: fire off the caller's stack, as a real timer would (the caller may hold
        // the lock its callback takes).
        if let due { DispatchQueue.global().async(execute: due) }
    }
}

/// A `ManualClock`'s timer: fires during `advance`, or soon when set for a time already past.
private final class ManualTimer: ClockTimer {
    let clock: ManualClock
    let fire: @Sendable () -> Void

    init(clock: ManualClock, fire: @escaping @Sendable () -> Void) {
        self.clock = clock
        self.fire = fire
    }

    deinit { clock.set(self, at: nil) }

    func set(at deadline: Duration) { clock.set(self, at: deadline) }

    func cancel() { clock.set(self, at: nil) }
}
