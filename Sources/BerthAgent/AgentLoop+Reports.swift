import BerthCore
import Logging

/// A status report the server refused `AgentLoop.reportAttempts` times in a row, kept so that
/// the server does not go on showing a state the container left long ago (`scheduled` while it
/// runs, `running` after it failed).
struct UnreportedStatus: Sendable {
    /// What to report: the latest refused report, with what an earlier one of the same state
    /// said that it does not (host ports, health).
    var status: StatusReport
    var backoff: Backoff
    /// When (the loop clock's uptime) the next resync may send it again.
    var due: Duration
}

/// What became of a report.
enum Delivery {
    /// The server took it and answered with the container (nil: it no longer takes reports
    /// for it: deleted, or given to another node).
    case taken(Container?)
    /// Refused at every try; the last error holds the server's answer.
    case refused(StatusReport, any Error)
}

extension AgentLoop {
    /// Keeps the server's answer, or the refused report for the next resyncs. A report the
    /// server takes supersedes any refused before it; a refusal is logged once, at error level,
    /// until the server takes that container's status again.
    mutating func settle(_ id: String, _ delivery: Delivery) {
        switch delivery {
        case .taken(let container):
            if unreported.removeValue(forKey: id) != nil {
                logger.notice("the server took the container's status at last", metadata: ["container": "\(id)"])
            }
            remember(container)
        case .refused(let status, let error):
            if var pending = unreported[id] {
                pending.status = Self.merge(status, over: pending.status)
                unreported[id] = pending
                return
            }
            logger.error("the server refuses the container's status; it is sent again at every resync until taken", metadata: [
                "container": "\(id)", "state": "\(status.state.rawValue)", "error": "\(error)",
            ])
            var backoff = Backoff()
            let delay = backoff.failed()
            unreported[id] = UnreportedStatus(status: status, backoff: backoff, due: clock.uptime + delay)
        }
    }

    /// At a resync: sends each refused report whose backoff has passed once more, while the
    /// container is still assigned here (the server no longer wants news of one it deleted).
    mutating func reportAgain() async {
        for id in unreported.keys.sorted() {
            guard var pending = unreported[id] else { continue }
            guard assigned[id] != nil else {
                unreported[id] = nil
                continue
            }
            guard pending.due <= clock.uptime else { continue }
            do {
                settle(id, .taken(try await api.report(id, pending.status)))
            } catch {
                logger.debug("the server still refuses the container's status", metadata: ["container": "\(id)", "error": "\(error)"])
                pending.due = clock.uptime + pending.backoff.failed()
                unreported[id] = pending
            }
        }
    }

    /// A later report, with what an earlier one of the same state said and it does not.
    static func merge(_ later: StatusReport, over earlier: StatusReport) -> StatusReport {
        guard later.state == earlier.state else { return later }
        var merged = later
        merged.hostPorts = later.hostPorts ?? earlier.hostPorts
        merged.healthy = later.healthy ?? earlier.healthy
        merged.exitCode = later.exitCode ?? earlier.exitCode
        merged.reason = later.reason ?? earlier.reason
        return merged
    }
}
