import Dispatch
import Foundation

/// The real clock: `Date()` for stamps, the kernel's monotonic clock (Dispatch's uptime) for
/// deadlines, and one Dispatch timer source per `ClockTimer`.
public struct SystemClock: BerthClock {
    public init() {}

    public var date: Date { Date() }

    public var uptime: Duration { .nanoseconds(Int64(clamping: DispatchTime.now().uptimeNanoseconds)) }

    public func sleep(until deadline: Duration) async throws {
        let left = deadline - uptime
        if left > .zero { try await Task.sleep(for: left) }
    }

    public func makeTimer(_ fire: @escaping @Sendable () -> Void) -> any ClockTimer {
        DispatchClockTimer(fire)
    }
}

/// A `ClockTimer` over one Dispatch timer source on its own serial queue.
final class DispatchClockTimer: ClockTimer {
    /// Dispatch sources are thread-safe; Dispatch does not mark them `Sendable`.
    private nonisolated(unsafe) let source: any DispatchSourceTimer
    /// How late a deadline may fire, so the kernel can coalesce wake-ups.
    private static let leeway = DispatchTimeInterval.milliseconds(10)

    init(_ fire: @escaping @Sendable () -> Void) {
        source = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "berth.clock.timer"))
        source.setEventHandler(handler: fire)
        source.activate()
    }

    deinit { source.cancel() }

    func set(at deadline: Duration) {
        source.schedule(deadline: DispatchTime(uptimeNanoseconds: deadline.saturatingNanoseconds), leeway: Self.leeway)
    }

    func cancel() { source.cancel() }
}
