import Foundation

/// How a job counts completions: `nonIndexed`, any `completions` successful containers;
/// `indexed`, each index 0…completions−1 succeeded once (each container gets `BERTH_JOB_INDEX`).
public enum JobCompletionMode: String, Sendable, Codable, CaseIterable, Defaultable {
    case nonIndexed
    case indexed

    public static var defaultValue: JobCompletionMode { .nonIndexed }
}

/// What a user asks of a run-to-completion job (`PUT /v1/jobs/{name}`), with defaults filled in.
///
/// With a `schedule` it is a periodic job: a parent that runs no containers itself but starts a
/// child job (a run) from its other fields at each fire time (see `PeriodicPlanner`).
///
/// Only `parallelism` and `suspend` may change after creation (`changedImmutableField`); for a
/// periodic job every field may change (it applies to future runs) except being periodic.
/// Decoded strictly as a request, leniently inside a `Job` (a response).
public struct JobSpec: Sendable, Hashable, Codable, StrictDecodable {
    /// What each container runs; `restartPolicy` is `never` (the default here) or `on-failure`.
    public var template: ContainerTemplate
    /// Successful containers (or indexes) that complete the job.
    public var completions: Int
    /// Containers of the job running at once, at most; 0 pauses it.
    public var parallelism: Int
    public var completionMode: JobCompletionMode
    /// Failures tolerated: the job fails at failure `backoffLimit + 1`.
    public var backoffLimit: Int
    /// The wait before the first retry; it doubles with each failure, up to `JobSpec.maxRetryDelay`.
    public var retryDelay: Duration
    /// How long the job may run from its start before it fails (`deadlineExceeded`); nil: no limit.
    public var activeDeadline: Duration?
    /// How long a finished job and its containers are kept; nil: until deleted.
    public var ttlAfterFinished: Duration?
    /// Stops the job's running containers and starts none until cleared.
    public var suspend: Bool
    public var constraints: [Constraint]
    public var placement: Placement
    /// When set, a periodic job: when runs fall due.
    public var schedule: CronSchedule?
    /// The IANA zone `schedule` is read in.
    public var timeZone: String
    public var concurrencyPolicy: ConcurrencyPolicy
    /// A run found due more than this late is skipped; nil: never too late.
    public var startingDeadline: Duration?
    /// Finished runs kept, by outcome; older ones are deleted.
    public var successfulJobsHistoryLimit: Int
    public var failedJobsHistoryLimit: Int

    public var isPeriodic: Bool { schedule != nil }

    public static let defaultBackoffLimit = 6
    public static let defaultRetryDelay = Duration.seconds(10)
    /// The longest wait between retries, however many failures came before.
    public static let maxRetryDelay = Duration.seconds(360)

    public init(
        template: ContainerTemplate, completions: Int = 1, parallelism: Int = 1, completionMode: JobCompletionMode = .nonIndexed,
        backoffLimit: Int = JobSpec.defaultBackoffLimit, retryDelay: Duration = JobSpec.defaultRetryDelay,
        activeDeadline: Duration? = nil, ttlAfterFinished: Duration? = nil, suspend: Bool = false,
        constraints: [Constraint] = [], placement: Placement = Placement(),
        schedule: CronSchedule? = nil, timeZone: String = "UTC", concurrencyPolicy: ConcurrencyPolicy = .allow,
        startingDeadline: Duration? = nil, successfulJobsHistoryLimit: Int = 3, failedJobsHistoryLimit: Int = 1
    ) {
        self.template = template
        self.completions = completions
        self.parallelism = parallelism
        self.completionMode = completionMode
        self.backoffLimit = backoffLimit
        self.retryDelay = retryDelay
        self.activeDeadline = activeDeadline
        self.ttlAfterFinished = ttlAfterFinished
        self.suspend = suspend
        self.constraints = constraints
        self.placement = placement
        self.schedule = schedule
        self.timeZone = timeZone
        self.concurrencyPolicy = concurrencyPolicy
        self.startingDeadline = startingDeadline
        self.successfulJobsHistoryLimit = successfulJobsHistoryLimit
        self.failedJobsHistoryLimit = failedJobsHistoryLimit
    }

    enum CodingKeys: String, CodingKey {
        case template, completions, parallelism, completionMode, backoffLimit, retryDelay, activeDeadline, ttlAfterFinished
        case suspend, constraints, placement
        case schedule, timeZone, concurrencyPolicy, startingDeadline, successfulJobsHistoryLimit, failedJobsHistoryLimit
    }

    /// By hand: a template that does not say its `restartPolicy` means `never` here (a
    /// service's default, `always`, is no policy for a job).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        template = try c.decode(ContainerTemplate.self, forKey: .template)
        let raw = try c.nestedContainer(keyedBy: AnyCodingKey.self, forKey: .template)
        if !raw.contains(AnyCodingKey(stringValue: "restartPolicy")) { template.restartPolicy = .never }
        completions = try c.decodeIfPresent(Int.self, forKey: .completions) ?? 1
        parallelism = try c.decodeIfPresent(Int.self, forKey: .parallelism) ?? 1
        completionMode = try c.decodeIfPresent(JobCompletionMode.self, forKey: .completionMode) ?? .nonIndexed
        backoffLimit = try c.decodeIfPresent(Int.self, forKey: .backoffLimit) ?? Self.defaultBackoffLimit
        retryDelay = try c.decodeIfPresent(DurationString.self, forKey: .retryDelay)?.wrappedValue ?? Self.defaultRetryDelay
        activeDeadline = try c.decodeIfPresent(DurationString.self, forKey: .activeDeadline)?.wrappedValue
        ttlAfterFinished = try c.decodeIfPresent(DurationString.self, forKey: .ttlAfterFinished)?.wrappedValue
        suspend = try c.decodeIfPresent(Bool.self, forKey: .suspend) ?? false
        constraints = try c.decodeIfPresent([Constraint].self, forKey: .constraints) ?? []
        placement = try c.decodeIfPresent(Placement.self, forKey: .placement) ?? Placement()
        schedule = try c.decodeIfPresent(CronSchedule.self, forKey: .schedule)
        timeZone = try c.decodeIfPresent(String.self, forKey: .timeZone) ?? "UTC"
        concurrencyPolicy = try c.decodeIfPresent(ConcurrencyPolicy.self, forKey: .concurrencyPolicy) ?? .allow
        startingDeadline = try c.decodeIfPresent(DurationString.self, forKey: .startingDeadline)?.wrappedValue
        successfulJobsHistoryLimit = try c.decodeIfPresent(Int.self, forKey: .successfulJobsHistoryLimit) ?? 3
        failedJobsHistoryLimit = try c.decodeIfPresent(Int.self, forKey: .failedJobsHistoryLimit) ?? 1
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(template, forKey: .template)
        try c.encode(completions, forKey: .completions)
        try c.encode(parallelism, forKey: .parallelism)
        try c.encode(completionMode, forKey: .completionMode)
        try c.encode(backoffLimit, forKey: .backoffLimit)
        try c.encode(DurationString(wrappedValue: retryDelay), forKey: .retryDelay)
        try c.encode(activeDeadline.map(DurationString.init(wrappedValue:)), forKey: .activeDeadline)
        try c.encode(ttlAfterFinished.map(DurationString.init(wrappedValue:)), forKey: .ttlAfterFinished)
        try c.encode(suspend, forKey: .suspend)
        try c.encode(constraints, forKey: .constraints)
        try c.encode(placement, forKey: .placement)
        try c.encode(schedule, forKey: .schedule)
        try c.encode(timeZone, forKey: .timeZone)
        try c.encode(concurrencyPolicy, forKey: .concurrencyPolicy)
        try c.encode(startingDeadline.map(DurationString.init(wrappedValue:)), forKey: .startingDeadline)
        try c.encode(successfulJobsHistoryLimit, forKey: .successfulJobsHistoryLimit)
        try c.encode(failedJobsHistoryLimit, forKey: .failedJobsHistoryLimit)
    }

    public func validate() throws(BerthError) {
        try template.validate(prefix: "template.")
        guard template.restartPolicy != .always else {
            throw .invalidArgument(field: "template.restartPolicy", message: "a job's containers run to completion: \"never\" or \"on-failure\"")
        }
        try Rules.range(completions, 1...100_000, field: "completions")
        try Rules.range(parallelism, 0...10_000, field: "parallelism")
        try Rules.range(backoffLimit, 0...10_000, field: "backoffLimit")
        guard retryDelay <= Self.maxRetryDelay else {
            throw .invalidArgument(field: "retryDelay", message: "must be at most \(DurationText.format(Self.maxRetryDelay))")
        }
        if let activeDeadline, activeDeadline <= .zero {
            throw .invalidArgument(field: "activeDeadline", message: "must be longer than 0s")
        }
        try Constraints.validate(constraints)
        try placement.validate(field: "placement")
        do {
            _ = try CronSchedule.timeZone(named: timeZone)
        } catch {
            throw error.invalidArgument
        }
        if let startingDeadline, startingDeadline <= .zero {
            throw .invalidArgument(field: "startingDeadline", message: "must be longer than 0s")
        }
        try Rules.range(successfulJobsHistoryLimit, 0...100, field: "successfulJobsHistoryLimit")
        try Rules.range(failedJobsHistoryLimit, 0...100, field: "failedJobsHistoryLimit")
    }

    /// The zone `timeZone` names (UTC if, against `validate()`, it names none).
    public var zone: TimeZone { (try? CronSchedule.timeZone(named: timeZone)) ?? .gmt }

    /// The spec of one run of this periodic job: the same, without the schedule.
    public var runSpec: JobSpec {
        var run = self
        run.schedule = nil
        run.timeZone = "UTC"
        run.concurrencyPolicy = .allow
        run.startingDeadline = nil
        run.successfulJobsHistoryLimit = 3
        run.failedJobsHistoryLimit = 1
        run.suspend = false
        return run
    }

    /// The first field other than `parallelism` and `suspend` that differs from `old`: what may
    /// not change once a job exists (its containers were made from them).
    public func changedImmutableField(from old: JobSpec) -> String? {
        if isPeriodic != old.isPeriodic { return "schedule" }
        // A periodic job's fields are the template of future runs: any may change.
        if isPeriodic { return nil }
        if template != old.template { return "template" }
        if completions != old.completions { return "completions" }
        if completionMode != old.completionMode { return "completionMode" }
        if backoffLimit != old.backoffLimit { return "backoffLimit" }
        if retryDelay != old.retryDelay { return "retryDelay" }
        if activeDeadline != old.activeDeadline { return "activeDeadline" }
        if ttlAfterFinished != old.ttlAfterFinished { return "ttlAfterFinished" }
        if constraints != old.constraints { return "constraints" }
        if placement != old.placement { return "placement" }
        return nil
    }

    /// The wait before retrying after the job's `failures`-th failure: `retryDelay` doubled per
    /// failure before it, capped at `maxRetryDelay`.
    public func retryDelay(afterFailures failures: Int) -> Duration {
        guard failures > 0, retryDelay > .zero else { return .zero }
        var delay = retryDelay
        for _ in 1..<failures {
            delay = delay * 2
            if delay >= Self.maxRetryDelay { return Self.maxRetryDelay }
        }
        return min(delay, Self.maxRetryDelay)
    }
}

/// Where a job is in its life. `complete` and `failed` are final.
public enum JobState: String, Sendable, Codable, CaseIterable {
    case pending, running, complete, failed, suspended

    public var isFinished: Bool { self == .complete || self == .failed }
}

/// Why a job failed.
public enum JobReason: String, Sendable, Codable, CaseIterable {
    case backoffLimitExceeded
    case deadlineExceeded
}

/// What the job controller observed of a job, kept on the job's row.
public struct JobStatus: Sendable, Hashable, Codable {
    public var state: JobState
    public var reason: JobReason?
    /// Containers of the job not yet ended.
    public var active: Int
    /// Indexes that succeeded (each counts once, however many times it is reported).
    public var succeeded: Int
    /// Containers that failed: exited non-zero, failed to start, or lost with their node.
    public var failed: Int
    /// The indexes that succeeded, as ranges: `"0-3,5"`.
    public var completedIndexes: String
    public var startTime: Date?
    public var completionTime: Date?
    /// A periodic job's: the latest fire time handled (started, skipped, or found started).
    public var lastScheduleTime: Date?
    /// A periodic job's: when its latest successful run completed.
    public var lastSuccessfulTime: Date?
    /// A periodic job's: the names of its runs not yet finished (`active` counts them).
    public var activeRuns: [String]

    public init(
        state: JobState = .pending, reason: JobReason? = nil, active: Int = 0, succeeded: Int = 0, failed: Int = 0,
        completedIndexes: String = "", startTime: Date? = nil, completionTime: Date? = nil,
        lastScheduleTime: Date? = nil, lastSuccessfulTime: Date? = nil, activeRuns: [String] = []
    ) {
        self.state = state
        self.reason = reason
        self.active = active
        self.succeeded = succeeded
        self.failed = failed
        self.completedIndexes = completedIndexes
        self.startTime = startTime
        self.completionTime = completionTime
        self.lastScheduleTime = lastScheduleTime
        self.lastSuccessfulTime = lastSuccessfulTime
        self.activeRuns = activeRuns
    }

    enum CodingKeys: String, CodingKey {
        case state, reason, active, succeeded, failed, completedIndexes, startTime, completionTime
        case lastScheduleTime, lastSuccessfulTime, activeRuns
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        state = try c.decode(JobState.self, forKey: .state)
        reason = try c.decodeIfPresent(JobReason.self, forKey: .reason)
        active = try c.decode(Int.self, forKey: .active)
        succeeded = try c.decode(Int.self, forKey: .succeeded)
        failed = try c.decode(Int.self, forKey: .failed)
        completedIndexes = try c.decode(String.self, forKey: .completedIndexes)
        startTime = try c.decodeIfPresent(Date.self, forKey: .startTime)
        completionTime = try c.decodeIfPresent(Date.self, forKey: .completionTime)
        lastScheduleTime = try c.decodeIfPresent(Date.self, forKey: .lastScheduleTime)
        lastSuccessfulTime = try c.decodeIfPresent(Date.self, forKey: .lastSuccessfulTime)
        activeRuns = try c.decodeIfPresent([String].self, forKey: .activeRuns) ?? []
    }

    /// Every field written, `null` when absent, so clients always see each one.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(state, forKey: .state)
        try c.encode(reason, forKey: .reason)
        try c.encode(active, forKey: .active)
        try c.encode(succeeded, forKey: .succeeded)
        try c.encode(failed, forKey: .failed)
        try c.encode(completedIndexes, forKey: .completedIndexes)
        try c.encode(startTime, forKey: .startTime)
        try c.encode(completionTime, forKey: .completionTime)
        try c.encode(lastScheduleTime, forKey: .lastScheduleTime)
        try c.encode(lastSuccessfulTime, forKey: .lastSuccessfulTime)
        try c.encode(activeRuns, forKey: .activeRuns)
    }
}

/// A job as stored: the spec, the status the job controller keeps, and the server's indexes.
public struct Job: Sendable, Hashable, Codable {
    public var name: String
    public var spec: JobSpec
    public var status: JobStatus
    /// A periodic job's run names its parent (the periodic job); nil otherwise.
    public var parent: String?
    /// When the job was created (the write's clock): a periodic job's first period starts here.
    public var createTime: Date?
    public var createIndex: UInt64
    public var modifyIndex: UInt64

    public init(
        name: String, spec: JobSpec, status: JobStatus = JobStatus(), parent: String? = nil, createTime: Date? = nil,
        createIndex: UInt64 = 0, modifyIndex: UInt64 = 0
    ) {
        self.name = name
        self.spec = spec
        self.status = status
        self.parent = parent
        self.createTime = createTime
        self.createIndex = createIndex
        self.modifyIndex = modifyIndex
    }

    enum CodingKeys: String, CodingKey { case name, status, parent, createTime, createIndex, modifyIndex }

    /// By hand: the spec's fields sit inline, read leniently (a plain decoder).
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        spec = try JobSpec(from: decoder)
        status = try c.decode(JobStatus.self, forKey: .status)
        parent = try c.decodeIfPresent(String.self, forKey: .parent)
        createTime = try c.decodeIfPresent(Date.self, forKey: .createTime)
        createIndex = try c.decode(UInt64.self, forKey: .createIndex)
        modifyIndex = try c.decode(UInt64.self, forKey: .modifyIndex)
    }

    /// The spec's fields inline, as a service's, with `status` beside them.
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try spec.encode(to: encoder)
        try c.encode(status, forKey: .status)
        try c.encode(parent, forKey: .parent)
        try c.encode(createTime, forKey: .createTime)
        try c.encode(createIndex, forKey: .createIndex)
        try c.encode(modifyIndex, forKey: .modifyIndex)
    }
}

/// Index sets written as ranges, as Kubernetes' `completedIndexes`: `[0,1,2,3,5]` ⇄ `"0-3,5"`.
public enum IndexRanges {
    public static func format(_ indexes: some Sequence<Int>) -> String {
        let sorted = Set(indexes).sorted()
        var parts: [String] = []
        var i = 0
        while i < sorted.count {
            var j = i
            while j + 1 < sorted.count, sorted[j + 1] == sorted[j] + 1 { j += 1 }
            parts.append(i == j ? "\(sorted[i])" : "\(sorted[i])-\(sorted[j])")
            i = j + 1
        }
        return parts.joined(separator: ",")
    }

    /// Nil when malformed.
    public static func parse(_ text: String) -> Set<Int>? {
        guard !text.isEmpty else { return [] }
        var out: Set<Int> = []
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let bounds = part.split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
            guard (1...2).contains(bounds.count), let low = bounds.first ?? nil, let high = bounds.last ?? nil, low >= 0, low <= high else { return nil }
            out.formUnion(low...high)
        }
        return out
    }
}
