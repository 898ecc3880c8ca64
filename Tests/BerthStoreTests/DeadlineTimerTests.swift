import BerthCore
import Synchronization
import Testing
@testable import BerthStore

/// The deadline timer alone, on a manual clock: deadlines fire in order, once, and a cancelled
/// one never fires.
@Suite struct DeadlineTimerTests {
    final class Expired: Sendable {
        let ids = Mutex<[UInt64]>([])
        var all: [UInt64] { ids.withLock { $0 } }
    }

    func timer(_ clock: ManualClock) -> (DeadlineTimer, Expired) {
        let timer = DeadlineTimer(clock: clock)
        let expired = Expired()
        timer.onExpire { ids in expired.ids.withLock { $0 += ids } }
        return (timer, expired)
    }

    @Test func deadlinesFireInOrderWhenTheClockReachesThem() {
        let clock = ManualClock()
        let (timer, expired) = timer(clock)
        timer.add(3, at: .milliseconds(300))
        timer.add(1, at: .milliseconds(100))
        timer.add(2, at: .milliseconds(200))
        clock.advance(by: .milliseconds(99))
        #expect(expired.all.isEmpty)
        clock.advance(by: .milliseconds(1))
        #expect(expired.all == [1])
        clock.advance(by: .milliseconds(150))
        #expect(expired.all == [1, 2])
        clock.advance(by: .seconds(1))
        #expect(expired.all == [1, 2, 3])
        #expect(timer.count == 0)
    }

    @Test func aCancelledDeadlineNeverFires() {
        let clock = ManualClock()
        let (timer, expired) = timer(clock)
        timer.add(1, at: .milliseconds(100))
        timer.add(2, at: .milliseconds(100))
        timer.cancel(1)
        clock.advance(by: .seconds(1))
        #expect(expired.all == [2])
    }

    @Test func addingAnEarlierDeadlineMovesTheTimerForward() {
        let clock = ManualClock()
        let (timer, expired) = timer(clock)
        timer.add(1, at: .seconds(10))
        timer.add(2, at: .milliseconds(10))
        clock.advance(by: .milliseconds(10))
        #expect(expired.all == [2], "the later deadline must not hold up the earlier one")
    }

    @Test func reAddingAnIdReplacesItsDeadline() {
        let clock = ManualClock()
        let (timer, expired) = timer(clock)
        timer.add(1, at: .milliseconds(10))
        timer.add(1, at: .milliseconds(50))
        clock.advance(by: .milliseconds(20))
        #expect(expired.all.isEmpty)
        clock.advance(by: .milliseconds(30))
        #expect(expired.all == [1])
    }

    /// Many cancelled deadlines are dropped when the heap is rebuilt; the live ones still fire.
    @Test func staleEntriesAreRebuiltAwayAndLiveOnesStillFire() {
        let clock = ManualClock()
        let (timer, expired) = timer(clock)
        for id in 1...5000 as ClosedRange<UInt64> {
            timer.add(id, at: .seconds(60))
            if id % 1000 != 0 { timer.cancel(id) }
        }
        #expect(timer.count == 5)
        clock.advance(by: .seconds(60))
        #expect(expired.all.sorted() == [1000, 2000, 3000, 4000, 5000])
    }
}
