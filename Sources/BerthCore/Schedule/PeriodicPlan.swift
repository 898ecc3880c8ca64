import Foundation

/// What one pass of `PeriodicPlanner` decided: a value the controller applies in one write.
public struct PeriodicPlan: Sendable, Equatable {
    /// A run to create as a child job.
    public struct Run: Sendable, Hashable {
        /// `<parent>-<scheduled unix seconds>`: the key that keeps two servers from starting it twice.
        public var name: String
        public var scheduledTime: Date

        public init(name: String, scheduledTime: Date) {
            self.name = name
            self.scheduledTime = scheduledTime
        }
    }

    /// A due run that was not started, and why (for an event the user can read).
    public struct Skip: Sendable, Hashable {
        public enum Reason: Sendable, Hashable {
            /// Found later than `startingDeadline` after its time (the server was down or behind).
            case missedDeadline(late: Duration, deadline: Duration)
            /// `forbid`, and these runs were still active.
            case forbidden(active: [String])
        }

        public var scheduledTime: Date
        public var reason: Reason

        public init(scheduledTime: Date, reason: Reason) {
            self.scheduledTime = scheduledTime
            self.reason = reason
        }

        public var message: String {
            let time = Int64(scheduledTime.timeIntervalSince1970.rounded(.down))
            switch reason {
            case .missedDeadline(let late, let deadline):
                return "skipped the run due at \(time): found \(DurationText.format(late)) late, "
                    + "more than startingDeadline \(DurationText.format(deadline))"
            case .forbidden(let active):
                return "skipped the run due at \(time): concurrencyPolicy forbid and \(active.joined(separator: ", ")) still active"
            }
        }
    }

    /// At most one run per pass: after an outage, only the latest missed time.
    public var start: Run?
    /// Child jobs to delete: the active runs `replace` stops, then finished runs beyond the
    /// history limits, oldest first.
    public var delete: [String] = []
    /// The status field to store: the latest fire time handled (started, skipped or found
    /// already started), so it is never tried again. Unchanged when nothing was due.
    public var lastScheduleTime: Date?
    /// A due run not started, if any.
    public var skipped: Skip?
    /// When the next run falls due: the controller's timer. Nil while suspended.
    public var wakeAt: Date?

    public init(start: Run? = nil, delete: [String] = [], lastScheduleTime: Date? = nil, skipped: Skip? = nil, wakeAt: Date? = nil) {
        self.start = start
        self.delete = delete
        self.lastScheduleTime = lastScheduleTime
        self.skipped = skipped
        self.wakeAt = wakeAt
    }
}
