import BerthCore
import Foundation
import Synchronization

/// The system clock, with a wall time a test can step forward as NTP steps it: a live server's
/// loops sleep and wake on real time, while a node's silence passes its timeout the moment the
/// test says so, rather than after a wait that a loaded machine could stretch or cut short.
final class SteppedClock: BerthClock {
    private let system = SystemClock()
    private let offset = Mutex<TimeInterval>(0)

    var date: Date { system.date.addingTimeInterval(offset.withLock { $0 }) }

    var uptime: Duration { system.uptime }

    func sleep(until deadline: Duration) async throws { try await system.sleep(until: deadline) }

    func makeTimer(_ fire: @escaping @Sendable () -> Void) -> any ClockTimer { system.makeTimer(fire) }

    /// Moves the wall time forward by `seconds`; deadlines (monotonic) are unaffected.
    func step(by seconds: TimeInterval) { offset.withLock { $0 += seconds } }
}
