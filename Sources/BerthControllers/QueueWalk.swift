import Foundation

/// When the scheduler must walk the whole pending queue instead of planning only what is fresh
/// or due: owed at start and after a pass that failed or lost a placement, and taken once a
/// minute whatever happened (a level-triggered safety net, as the service controller's full pass).
struct QueueWalk: Sendable {
    var owed = true
    var last: Date?
    static let interval: TimeInterval = 60

    mutating func take(now: Date) -> Bool {
        guard owed || last.map({ now.timeIntervalSince($0) >= Self.interval || now < $0 }) ?? true else { return false }
        owed = false
        last = now
        return true
    }
}
