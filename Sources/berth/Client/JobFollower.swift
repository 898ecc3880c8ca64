import BerthClient
import BerthCore

/// Follows a job with blocking queries until it completes or fails, reporting progress as it
/// changes. It never polls: each round parks on `GET /v1/jobs/NAME?index=N`, which the server
/// answers when the job changes (its controller writes its status as containers end).
struct JobFollower {
    let client: BerthClient
    let name: String

    /// `batch: running, 3/5 succeeded, 2 active, 1 failed`.
    static func line(_ job: Job) -> String {
        let s = job.status
        var line = "\(job.name): \(s.state.rawValue), \(s.succeeded)/\(job.spec.completions) succeeded, \(s.active) active, \(s.failed) failed"
        if let reason = s.reason { line += " (\(reason.rawValue))" }
        return line
    }

    func waitUntilFinished(timeout: Duration, after index: UInt64, report: (String) -> Void) async throws -> Fetched<Job> {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var watch: Watch? = nil
        var lastLine: String? = nil
        while true {
            let job = try await client.job(name, watch: watch)
            let line = Self.line(job.value)
            if line != lastLine {
                report(line)
                lastLine = line
            }
            if job.value.status.state.isFinished { return job }
            let remaining = deadline - clock.now
            guard remaining > .milliseconds(20) else {
                throw CLIError("timed out after \(DurationText.format(timeout)): \(line)")
            }
            watch = Watch(index: max(job.index, index), wait: min(remaining, .seconds(300)))
        }
    }
}
