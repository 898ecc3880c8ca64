import BerthClient
import BerthCore

/// Follows a service with blocking queries until all its replicas run, reporting progress as
/// it changes. It never polls: each round parks on `GET /v1/services/NAME?index=N`, which the
/// server answers when the service or any container changes, or when the time is up.
struct ServiceFollower {
    let client: BerthClient
    let name: String

    /// Where a service stands: `web: 2/3 running`, plus why the rest are not running yet.
    struct Progress: Equatable {
        var running: Int
        var desired: Int
        /// A pending container's reason, else a count of the other states (`3 scheduled`).
        var detail: String?

        var isDone: Bool { running >= desired }

        func line(_ name: String) -> String { "\(name): \(running)/\(desired) running" }

        func summary(_ name: String) -> String { line(name) + (detail.map { "; \($0)" } ?? "") }
    }

    /// Waits (at most `timeout`) until every replica runs and returns the service's last answer;
    /// on timeout fails with the progress and the reason a container is still pending.
    func waitUntilRunning(timeout: Duration, after index: UInt64, report: (String) -> Void) async throws -> BerthClient.Reply {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        var watch: Watch? = nil  // the first read answers at once: it may already be done
        var lastLine: String? = nil
        while true {
            let service = try await client.service(name, watch: watch)
            let progress = try await self.progress(of: service.value)
            let line = progress.line(name)
            if line != lastLine {
                report(line)
                lastLine = line
            }
            if progress.isDone { return service.reply }
            let remaining = deadline - clock.now
            guard remaining > .milliseconds(20) else {
                throw CLIError("timed out after \(DurationText.format(timeout)): \(progress.summary(name))")
            }
            watch = Watch(index: max(service.index, index), wait: remaining)
        }
    }

    /// Counts the running replicas against the desired ones; a global service wants one
    /// container per eligible node, which is how many the server keeps for it.
    func progress(of service: Service) async throws -> Progress {
        let containers = try await client.containers(service: name).value.items.filter { $0.desiredState == .running }
        let desired = service.spec.mode == .global ? containers.count : service.spec.replicas
        let notRunning = containers.filter { $0.state != .running }
        var detail: String? = nil
        if let pending = notRunning.first(where: { $0.state == .pending && $0.reason != nil }), let reason = pending.reason {
            detail = "pending: \(reason)"
        } else if !notRunning.isEmpty {
            let counts = Dictionary(grouping: notRunning, by: \.state.rawValue).mapValues(\.count)
            detail = counts.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", ")
        }
        return Progress(running: service.runningReplicas, desired: desired, detail: detail)
    }
}
