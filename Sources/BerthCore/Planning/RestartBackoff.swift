import Foundation

/// Exponential restart backoff, as Docker and Kubernetes do: 100 ms doubling per attempt up to
/// 30 s; a replica that ran for 10 s or more starts again from the first attempt.
public enum RestartBackoff {
    public static let base: Duration = .milliseconds(100)
    public static let cap: Duration = .seconds(30)
    public static let stableAfter: TimeInterval = 10

    public static func delay(attempt: Int) -> TimeInterval {
        let seconds = 0.1 * pow(2, Double(min(max(attempt, 0), 20)))
        return min(seconds, 30)
    }

    /// The attempt number of a replacement for `container`.
    public static func nextAttempt(after container: ContainerView) -> Int {
        if let started = container.startedAt, let finished = container.finishedAt,
           finished.timeIntervalSince(started) >= stableAfter {
            return 0
        }
        return container.attempt + 1
    }

    /// Whether an ended container is replaced at all under the policy.
    public static func shouldRestart(_ container: ContainerView, policy: RestartPolicy) -> Bool {
        if container.state == .lost { return true }  // it did not end; its node did
        switch policy {
        case .always: return true
        case .never: return false
        case .onFailure: return container.state == .failed || (container.exitCode ?? 0) != 0
        }
    }
}
