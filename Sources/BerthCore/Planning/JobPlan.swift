import Foundation

/// What the job planner wants changed for one job. Applying it is the store's job.
public struct JobPlan: Sendable, Equatable {
    /// A new container for completion index `index`; `attempt` counts the index's earlier ones.
    public struct Create: Sendable, Equatable {
        public var index: Int
        public var attempt: Int
        /// With `restartPolicy: on-failure`, the node the index last failed on: the retry
        /// prefers it (a restart in place), and goes elsewhere if it no longer fits.
        public var preferredNode: String?

        public init(index: Int, attempt: Int, preferredNode: String? = nil) {
            self.index = index
            self.attempt = attempt
            self.preferredNode = preferredNode
        }
    }

    public struct Stop: Sendable, Equatable {
        public var container: String
        public var reason: String

        public init(container: String, reason: String) {
            self.container = container
            self.reason = reason
        }
    }

    public var creates: [Create] = []
    /// Running containers told to stop (`desiredState: stopped`); a container stopped so is
    /// not a failure, whatever its exit.
    public var stops: [Stop] = []
    /// Containers never placed that are no longer wanted: removed outright.
    public var removes: [String] = []
    /// The job's status after the plan, when it differs from the stored one.
    public var status: JobStatus?
    /// The job finished `ttlAfterFinished` ago: delete it with its containers.
    public var deleteJob = false
    /// When the job wants planning again with no change to wake it: a retry's delay, the
    /// active deadline or the TTL ends.
    public var wakeAt: Date?

    public init() {}

    public var isEmpty: Bool { creates.isEmpty && stops.isEmpty && removes.isEmpty && status == nil && !deleteJob }

    mutating func wake(at date: Date) {
        wakeAt = wakeAt.map { min($0, date) } ?? date
    }
}
