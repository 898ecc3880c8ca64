@testable import BerthCore
import Foundation
import Testing

@Suite struct RestartBackoffTests {
    typealias F = RecFixture

    @Test(arguments: [
        (0, 0.1), (1, 0.2), (2, 0.4), (3, 0.8), (4, 1.6), (5, 3.2), (6, 6.4), (7, 12.8), (8, 25.6),
        (9, 30), (10, 30), (20, 30), (1000, 30), (Int.max, 30), (-1, 0.1), (Int.min, 0.1),
    ] as [(Int, TimeInterval)])
    func delayDoublesFromATenthUpToThirtySeconds(attempt: Int, seconds: TimeInterval) {
        #expect(abs(RestartBackoff.delay(attempt: attempt) - seconds) < 1e-9)
    }

    @Test func delayNeverDecreases() {
        var previous = 0.0
        for attempt in 0...40 {
            let delay = RestartBackoff.delay(attempt: attempt)
            #expect(delay >= previous)
            #expect(delay <= 30)
            previous = delay
        }
    }

    @Test func constantsMatchTheDelays() {
        #expect(RestartBackoff.base == .milliseconds(100))
        #expect(RestartBackoff.cap == .seconds(30))
        #expect(RestartBackoff.stableAfter == 10)
    }

    struct AttemptCase: Sendable, CustomTestStringConvertible {
        var attempt: Int
        var ran: TimeInterval?
        var next: Int
        var testDescription: String { "attempt \(attempt), ran \(ran.map { "\($0)s" } ?? "never") -> \(next)" }
    }

    @Test(arguments: [
        AttemptCase(attempt: 0, ran: 1, next: 1),
        AttemptCase(attempt: 4, ran: 9.999, next: 5),
        // A run of 10 s or more was stable: the count starts over.
        AttemptCase(attempt: 4, ran: 10, next: 0),
        AttemptCase(attempt: 12, ran: 3600, next: 0),
        // Never started (failed to start): still counts up.
        AttemptCase(attempt: 2, ran: nil, next: 3),
    ])
    func nextAttempt(_ c: AttemptCase) {
        let finished = F.at(100)
        let container = F.container("x", state: .exited, exitCode: 1, index: 1, attempt: c.attempt,
                                    startedAt: c.ran.map { finished.addingTimeInterval(-$0) }, finishedAt: finished)
        #expect(RestartBackoff.nextAttempt(after: container) == c.next)
    }

    @Test(arguments: [
        (RestartPolicy.always, ContainerState.exited, 0 as Int?, true),
        (.always, .failed, nil, true),
        (.onFailure, .exited, 0, false),
        (.onFailure, .exited, nil, false),
        (.onFailure, .exited, 1, true),
        (.onFailure, .exited, -1, true),
        (.onFailure, .failed, 0, true),
        (.never, .exited, 1, false),
        (.never, .failed, nil, false),
        (.never, .lost, nil, true),
        (.onFailure, .lost, nil, true),
    ])
    func shouldRestart(policy: RestartPolicy, state: ContainerState, exitCode: Int?, restarts: Bool) {
        let container = F.container("x", state: state, exitCode: exitCode, index: 1)
        #expect(RestartBackoff.shouldRestart(container, policy: policy) == restarts)
    }
}
