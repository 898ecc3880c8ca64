/// Decides, after each answer for one service, which index to ask for next and how long to wait
/// first. Pure, so the follower's pacing is tested without a clock.
///
/// A blocking query paces itself: the server holds it until something changes. The delays here
/// are for when it cannot: a missing service (nothing to block on), errors (back off, capped),
/// and an answer whose index did not move (a server or proxy that does not block must not turn
/// the follower into a tight loop).
public struct PollSchedule: Sendable, Hashable {
    /// Pause before asking again about a service that does not exist.
    public var notFoundDelay: Duration = .milliseconds(1500)
    /// Pause after an answer whose index did not advance.
    public var idleDelay: Duration = .seconds(1)
    /// First pause after an error; doubled on each further error up to `maxErrorDelay`.
    public var firstErrorDelay: Duration = .milliseconds(250)
    public var maxErrorDelay: Duration = .seconds(5)

    /// The index to send next; 0 asks for an immediate answer.
    public private(set) var index: UInt64 = 0
    /// Errors in a row since the last answer.
    public private(set) var errors = 0

    public init() {}

    /// Records an answer; returns the pause before the next request.
    public mutating func next(after answer: TargetsAnswer) -> Duration {
        errors = 0
        guard answer.targets != nil else {
            index = 0  // nothing to block on until the service exists
            return notFoundDelay
        }
        if answer.index < index {
            index = 0  // the index went backwards (a restore): start over with a fresh read
            return idleDelay
        }
        if answer.index == index { return idleDelay }
        index = answer.index
        return .zero
    }

    /// Records a failed request; returns the pause before retrying (250 ms, 500 ms, 1 s, … 5 s).
    public mutating func nextAfterError() -> Duration {
        errors += 1
        var delay = firstErrorDelay
        for _ in 1..<min(errors, 16) { delay *= 2 }
        return min(delay, maxErrorDelay)
    }
}
