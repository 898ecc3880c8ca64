import Foundation

/// The time the server's store, change hub and reconciliation loops read.
///
/// Injected rather than read from the system, so tests drive time by hand (`ManualClock`) and
/// never sleep: a deadline, a heartbeat timeout or a backoff is proved by advancing the clock,
/// not by waiting for it on a machine that may be twice as slow today.
public protocol BerthClock: Sendable {
    /// Wall-clock time, for what is stored and shown: a heartbeat's time, a container's start.
    var date: Date { get }
    /// Monotonic time since the clock's origin, for deadlines and intervals; never goes back.
    var uptime: Duration { get }
    /// Suspends until `uptime` reaches `deadline`; throws `CancellationError` if cancelled first.
    func sleep(until deadline: Duration) async throws
    /// A one-shot timer calling `fire` once `uptime` reaches the time it is set for. One timer
    /// serves many deadlines (the change hub keeps a heap of them and sets it for the earliest).
    func makeTimer(_ fire: @escaping @Sendable () -> Void) -> any ClockTimer
}

/// A timer made by a `BerthClock`. Setting it again moves it; it fires at most once per setting.
public protocol ClockTimer: Sendable {
    /// Arms the timer for `deadline` (in the clock's `uptime`), replacing any earlier setting.
    func set(at deadline: Duration)
    /// Disarms it for good.
    func cancel()
}

extension BerthClock {
    /// Suspends for `duration` of this clock's time.
    public func sleep(for duration: Duration) async throws {
        try await sleep(until: uptime + duration)
    }
}

extension Duration {
    /// Whole milliseconds, rounded down (logs and metrics).
    public var wholeMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }

    /// Whole nanoseconds, saturating at `UInt64.max / 2` for durations too long to matter.
    public var saturatingNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        guard seconds < Int64(UInt64.max / 2 / 1_000_000_000) else { return UInt64.max / 2 }
        return UInt64(seconds) * 1_000_000_000 + UInt64(max(0, attoseconds) / 1_000_000_000)
    }

    /// The same span as a `TimeInterval`, for `Date` arithmetic.
    public var timeInterval: TimeInterval {
        Double(components.seconds) + Double(components.attoseconds) / 1e18
    }
}
