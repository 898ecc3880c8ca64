import Foundation

/// The job controller's decisions as a pure function: a job (spec and stored status), its
/// containers and the time, to a plan. Same input, same plan; it is never told what changed.
///
/// Every completion index 0…completions−1 is a slot (a `nonIndexed` job's too: it just does not
/// tell its containers their index). A slot is done once one of its containers exited 0 — so a
/// success counts once however often it is reported — and busy while one has not ended. Free
/// slots get a container, lowest index first, while fewer than `parallelism` of the job's
/// containers have not ended (those told to stop included): never more run at once. A failure
/// — exited non-zero, failed, or lost with its node — not asked for by the job (a container it
/// told to stop ended however it liked) frees its slot again after the retry delay, doubled per
/// failure of the job (with `restartPolicy: on-failure` the retry prefers the node it failed
/// on, unless it was lost with it; with `never` it is placed afresh); failure `backoffLimit + 1` fails the job, as running past
/// `activeDeadline` from its start does. A finished or suspended job stops what runs.
public enum JobPlanner {
    /// What the planner makes of one job's containers.
    struct Observed {
        var succeeded: Set<Int> = []
        var failures = 0
        /// When each index last failed, and on which node (nil when lost with its node).
        var lastFailure: [Int: Date] = [:]
        var lastFailureNode: [Int: String] = [:]
        var attempts: [Int: Int] = [:]
        /// Containers not ended, by index.
        var busy: [Int: [ContainerView]] = [:]
        var unended: [ContainerView] = []
        var started = false

        init(_ containers: [ContainerView], completions: Int) {
            for c in containers {
                guard let index = c.jobIndex else { continue }
                attempts[index, default: 0] += 1
                if c.state != .pending && c.state != .scheduled { started = true }
                guard c.state.isTerminal else {
                    busy[index, default: []].append(c)
                    unended.append(c)
                    continue
                }
                if c.state == .exited, (c.exitCode ?? 0) == 0 {
                    if index < completions { succeeded.insert(index) }
                } else if JobPlanner.isFailure(c) {
                    failures += 1
                    let at = c.finishedAt ?? .distantPast
                    if at >= lastFailure[index] ?? .distantPast {
                        lastFailure[index] = at
                        lastFailureNode[index] = c.state == .lost ? nil : c.node
                    }
                }
            }
        }
    }

    /// An ended container that counts against `backoffLimit`: lost with its node, or ended
    /// badly while still wanted (one the job or a drain told to stop is not a failure).
    public static func isFailure(_ c: ContainerView) -> Bool {
        switch c.state {
        case .lost: true
        case .failed: c.desiredState == .running
        case .exited: (c.exitCode ?? 0) != 0 && c.desiredState == .running
        default: false
        }
    }

    public static func plan(job: Job, containers: [ContainerView], now: Date) -> JobPlan {
        let spec = job.spec
        let seen = Observed(containers.sorted { ($0.createIndex, $0.id) < ($1.createIndex, $1.id) }, completions: spec.completions)
        var plan = JobPlan()
        var status = job.status
        status.succeeded = seen.succeeded.count
        status.failed = seen.failures
        status.completedIndexes = IndexRanges.format(seen.succeeded)

        if !status.state.isFinished {
            if seen.succeeded.count >= spec.completions {
                finish(&status, .complete, reason: nil, now: now)
            } else if seen.failures > spec.backoffLimit {
                finish(&status, .failed, reason: .backoffLimitExceeded, now: now)
            } else if let deadline = spec.activeDeadline, let start = status.startTime {
                let end = start.addingTimeInterval(deadline.timeInterval)
                if end <= now { finish(&status, .failed, reason: .deadlineExceeded, now: now) } else { plan.wake(at: end) }
            }
        }

        if status.state.isFinished {
            let why = status.state == .complete ? "job complete" : "job failed: \(status.reason?.rawValue ?? "failed")"
            stopAll(seen.unended, reason: why, into: &plan)
            if let ttl = spec.ttlAfterFinished, let finished = status.completionTime {
                let expiry = finished.addingTimeInterval(ttl.timeInterval)
                if expiry <= now { plan.deleteJob = true } else { plan.wake(at: expiry) }
            }
        } else if spec.suspend {
            status.state = .suspended
            stopAll(seen.unended, reason: "job suspended", into: &plan)
        } else {
            runSlots(spec, seen, now: now, into: &plan)
            if !plan.creates.isEmpty, status.startTime == nil { status.startTime = now }
            status.state = seen.started ? .running : .pending
        }
        status.active = seen.unended.count + plan.creates.count - plan.removes.count
        if status != job.status { plan.status = status }
        if plan.deleteJob { plan.wakeAt = nil }
        return plan
    }

    private static func finish(_ status: inout JobStatus, _ state: JobState, reason: JobReason?, now: Date) {
        status.state = state
        status.reason = reason
        status.completionTime = now
    }

    /// Stops what still runs and removes what was never placed.
    private static func stopAll(_ unended: [ContainerView], reason: String, into plan: inout JobPlan) {
        for c in unended where c.desiredState == .running {
            if c.state == .pending { plan.removes.append(c.id) } else { plan.stops.append(.init(container: c.id, reason: reason)) }
        }
    }

    /// Keeps at most `parallelism` containers unended: stops the newest beyond it, fills free
    /// slots lowest index first (a failed index once its retry delay is over).
    private static func runSlots(_ spec: JobSpec, _ seen: Observed, now: Date, into plan: inout JobPlan) {
        let wanted = seen.unended.filter { $0.desiredState == .running }
        if wanted.count > spec.parallelism {
            let excess = wanted.sorted { ($0.createIndex, $0.id) > ($1.createIndex, $1.id) }.prefix(wanted.count - spec.parallelism)
            stopAll(Array(excess), reason: "parallelism lowered to \(spec.parallelism)", into: &plan)
            return
        }
        var free = spec.parallelism - seen.unended.count
        guard free > 0 else { return }
        let delay = spec.retryDelay(afterFailures: seen.failures).timeInterval
        for index in 0..<spec.completions where free > 0 {
            guard !seen.succeeded.contains(index), seen.busy[index] == nil else { continue }
            if let failed = seen.lastFailure[index] {
                let due = failed.addingTimeInterval(delay)
                guard due <= now else {
                    plan.wake(at: due)
                    continue
                }
            }
            let inPlace = spec.template.restartPolicy == .onFailure ? seen.lastFailureNode[index] : nil
            plan.creates.append(.init(index: index, attempt: seen.attempts[index] ?? 0, preferredNode: inPlace))
            free -= 1
        }
    }
}
