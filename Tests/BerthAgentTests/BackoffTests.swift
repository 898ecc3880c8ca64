@testable import BerthAgent
import BerthCore
import BerthHarness
import Logging
import Synchronization
import Testing

/// The agent's one retry delay, and its retry loop on a manual clock: what the agent does while
/// the server (or the kernel) keeps refusing, without sleeping in the test.
@Suite struct BackoffTests {
    @Test func theDelayDoublesToFiveSecondsAndResetsOnSuccess() {
        var backoff = Backoff()
        #expect((0..<7).map { _ in backoff.failed() } == [.milliseconds(200), .milliseconds(400), .milliseconds(800), .milliseconds(1600),
                                                           .milliseconds(3200), .seconds(5), .seconds(5)])
        backoff.succeeded()
        #expect(backoff.failed() == .milliseconds(200))
    }

    /// A body failing three times is tried again after 200, 400 and 800 ms of the clock, and
    /// its value returned once it succeeds.
    @Test func retryingWaitsTheBackoffBetweenTries() async throws {
        let clock = ManualClock()
        let tries = Mutex(0)
        let task = Task {
            try await AgentRunner.retrying("reach the server", clock: clock, logger: Logger(label: "test")) { () throws -> String in
                let n = tries.withLock { $0 += 1; return $0 }
                if n <= 3 { throw DriverError("refused \(n)") }
                return "registered"
            }
        }
        for (n, delay) in [(1, Duration.milliseconds(200)), (2, .milliseconds(400)), (3, .milliseconds(800))] {
            try await eventually("try \(n) failed and waits") { clock.sleeping == 1 && tries.withLock { $0 } == n }
            clock.advance(by: delay - .milliseconds(1))
            #expect(tries.withLock { $0 } == n, "not tried again before its delay")
            clock.advance(by: .milliseconds(1))
        }
        #expect(try await task.value == "registered")
        #expect(tries.withLock { $0 } == 4)
    }

    /// Shutdown ends the retrying at once, with a CancellationError.
    @Test func retryingEndsWhenCancelled() async throws {
        let clock = ManualClock()
        let task = Task {
            try await AgentRunner.retrying("reach the server", clock: clock, logger: Logger(label: "test")) { () throws -> Int in
                throw DriverError("refused")
            }
        }
        try await eventually("it waits to try again") { clock.sleeping == 1 }
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
    }
}
