import Foundation
import Synchronization

/// Which services the service controller plans next: those a commit touched, those whose
/// restart backoff or rollout delay has run out, and — every `fullEvery` — all of them, the
/// level-triggered safety net under the change-driven passes.
final class ServiceQueue: Sendable {
    private struct State {
        var waiting: Set<String> = []
        var wakes: [String: Date] = [:]
        var lastFull: Date?
    }

    /// The services to plan: `nil` for every one.
    struct Batch {
        var services: Set<String>?
        var isEmpty: Bool { services?.isEmpty ?? false }
    }

    private let state = Mutex(State())
    let fullEvery: TimeInterval

    init(fullEvery: Duration) {
        self.fullEvery = fullEvery.timeInterval
    }

    /// Adds the touched services and takes what is due at `now`.
    func take(touched: Set<String>, now: Date) -> Batch {
        state.withLock { state in
            if state.lastFull.map({ now.timeIntervalSince($0) >= fullEvery || now < $0 }) ?? true {
                state.lastFull = now
                state.waiting = []
                state.wakes = [:]
                return Batch(services: nil)
            }
            var due = state.waiting.union(touched)
            for (service, date) in state.wakes where date <= now {
                due.insert(service)
                state.wakes[service] = nil
            }
            state.waiting = []
            return Batch(services: due)
        }
    }

    /// Remembers when services asked to be planned again.
    func record(wakes: [String: Date]) {
        state.withLock { state in
            state.wakes.merge(wakes) { min($0, $1) }
        }
    }

    /// Puts services back after a pass that failed before committing their plan.
    func requeue(_ batch: Batch) {
        state.withLock { state in
            if let services = batch.services { state.waiting.formUnion(services) } else { state.lastFull = nil }
        }
    }

    /// The earliest wake asked for, for the loop's sleep.
    var nextWake: Date? { state.withLock { $0.wakes.values.min() } }
}
