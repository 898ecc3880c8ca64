/// A bounded wait that ran out: `what` never became true within `timeout`.
///
/// Thrown rather than recorded so that this module needs no test framework (berth-bench uses
/// it too); Swift Testing records a thrown error as the test's failure, with this description.
public struct TimedOut: Error, CustomStringConvertible {
    public let what: String
    public let timeout: Duration
    public let file: String
    public let line: Int

    public var description: String { "timed out after \(timeout) waiting until \(what) (\(file):\(line))" }
}

/// Polls `condition` until it holds, and throws `TimedOut` naming `what` if `timeout` passes
/// first. This is how a test waits for something another process or task does, never a fixed
/// sleep.
///
/// `timeout` is a guard against a hang, not a claim about speed: it is generous (60 s) so a
/// slow or busy machine never fails a test that would pass, and only a failing test waits it
/// out. Polls start at 1 ms and back off to `poll`, so a cheap condition is seen at once and an
/// expensive one (an HTTP request) is not hammered.
public func eventually(
    _ what: String, timeout: Duration = .seconds(60), poll: Duration = .milliseconds(100),
    file: String = #fileID, line: Int = #line, _ condition: () async throws -> Bool
) async throws {
    var pause = Duration.milliseconds(1)
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if try await condition() { return }
        try await Task.sleep(for: pause)
        pause = min(pause * 2, poll)
    }
    if try await condition() { return }
    throw TimedOut(what: what, timeout: timeout, file: file, line: line)
}

/// Polls `condition` until it holds; returns whether it did within `timeout` (for
/// `#expect(await eventually { … })` and `try #require(…)`). Meant for cheap in-process
/// conditions (a hub's count of waiters), so it polls every millisecond by default: a test that
/// races a short timer sees the condition as soon as it holds.
public func eventually(
    within timeout: Duration = .seconds(60), poll: Duration = .milliseconds(1), _ condition: () async throws -> Bool
) async rethrows -> Bool {
    var pause = Duration.milliseconds(1)
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline, !Task.isCancelled {
        if try await condition() { return true }
        try? await Task.sleep(for: pause)
        pause = min(pause * 2, poll)
    }
    return try await condition()
}
