import Foundation

/// One child run of a periodic job, as the planner needs to see it.
public struct PeriodicRun: Sendable, Hashable {
    public enum State: String, Sendable, Hashable {
        /// Not finished: pending, running or suspended.
        case active
        case complete
        case failed
    }

    /// The child job's name, `<parent>-<scheduled unix seconds>`.
    public var name: String
    /// The fire time it was started for.
    public var scheduledTime: Date
    public var state: State
    /// When it completed or failed; nil while active.
    public var finishTime: Date?

    public init(name: String, scheduledTime: Date, state: State, finishTime: Date? = nil) {
        self.name = name
        self.scheduledTime = scheduledTime
        self.state = state
        self.finishTime = finishTime
    }
}
