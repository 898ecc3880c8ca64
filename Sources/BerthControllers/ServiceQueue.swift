import Foundation

/// Which services the service controller plans next: those a commit touched, those whose
/// restart backoff or rollout delay has run out, and — every `fullEvery` — all of them, the
/// level-triggered safety net under the change-driven passes. The job controller keeps its
/// jobs in one the same way (the names are jobs' there, the timers retries, deadlines, TTLs). A value; the controller keeps it
/// in a `Locked` between passes, as the scheduler keeps its `UnschedulableQueue`.
struct ServiceQueue: Sendable {
    /// The services to plan: `nil` for every one.
    struct Batch {
        var services: Set<String>?
        var isEmpty: Bool { services?.isEmpty ?? false }
    }

    let fullEvery: TimeInterval
    private var waiting: Set<String> = []
    private var wakes: [String: Date] = [:]
    private var lastFull: Date?

    init(fullEvery: Duration) {
        self.fullEvery = fullEvery.timeInterval
    }

    /// Adds the touched services and takes what is due at `now`.
    mutating func take(touched: Set<String>, now: Date) -> Batch {
        if lastFull.map({ now.timeIntervalSince($0) >= fullEvery || now < $0 }) ?? true {
            lastFull = now
            waiting = []
            wakes = [:]
            return Batch(services: nil)
        }
        var due = waiting.union(touched)
        for (service, date) in wakes where date <= now {
            due.insert(service)
            wakes[service] = nil
        }
        waiting = []
        return Batch(services: due)
    }

    /// Remembers when services asked to be planned again.
    mutating func record(wakes more: [String: Date]) {
        wakes.merge(more) { min($0, $1) }
    }

    /// Puts services back after a pass that failed before committing their plan.
    mutating func requeue(_ batch: Batch) {
        if let services = batch.services { waiting.formUnion(services) } else { lastFull = nil }
    }

    /// The earliest wake asked for, for the loop's sleep.
    var nextWake: Date? { wakes.values.min() }
}
