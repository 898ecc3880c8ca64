import Foundation

/// What the service reconciler wants changed. Applying it is the store's job.
public struct ServicePlan: Sendable, Equatable {
    public struct Create: Sendable, Equatable {
        public var service: String
        public var pinnedNode: String?
        public var attempt: Int
        public var reason: String?
    }

    public struct Stop: Sendable, Equatable {
        public var container: String
        public var reason: String
    }

    public var creates: [Create] = []
    /// Containers told to stop (`desiredState: stopped`).
    public var stops: [Stop] = []
    /// Containers removed outright: never placed, or ended and replaced.
    public var removes: [String] = []
    /// New reasons for containers, e.g. why a restart waits.
    public var notes: [String: String] = [:]
    /// The earliest time a waiting restart or rollout delay ends, if any.
    public var wakeAt: Date?
    /// The same per service: when each service wants planning again with no change to wake it.
    public var wakes: [String: Date] = [:]

    public init() {}

    public var isEmpty: Bool { creates.isEmpty && stops.isEmpty && removes.isEmpty && notes.isEmpty }

    mutating func wake(at date: Date, for service: String) {
        wakeAt = wakeAt.map { min($0, date) } ?? date
        wakes[service] = wakes[service].map { min($0, date) } ?? date
    }
}
