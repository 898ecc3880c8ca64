import BerthCore

/// The agent's wait between retries of something that failed (registering, following the
/// server, programming the kernel): 200 ms doubling to 5 s, back to 200 ms after a success.
struct Backoff: Sendable, Hashable {
    let initial: Duration
    let maximum: Duration
    /// The delay the next failure waits.
    private(set) var next: Duration

    init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(5)) {
        self.initial = initial
        self.maximum = maximum
        next = initial
    }

    /// The delay to wait after a failure; the one after it is twice as long, up to `maximum`.
    mutating func failed() -> Duration {
        defer { next = min(next * 2, maximum) }
        return next
    }

    mutating func succeeded() { next = initial }

    /// Waits the delay of a failure on `clock`; throws `CancellationError` when cancelled.
    mutating func wait(on clock: any BerthClock) async throws {
        try await clock.sleep(for: failed())
    }
}
