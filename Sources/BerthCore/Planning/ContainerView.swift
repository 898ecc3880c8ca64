import Foundation

/// What the reconcilers read of one container: its place in its service's life, not its
/// whole spec.
public struct ContainerView: Sendable, Hashable {
    public var id: String
    public var service: String?
    public var node: String?
    public var state: ContainerState
    public var desiredState: DesiredState
    public var healthy: Bool?
    public var exitCode: Int?
    public var reason: String?
    public var createIndex: UInt64
    /// The service template version the container was made from.
    public var templateVersion: UInt64
    /// How many times in a row this replica slot has been restarted.
    public var attempt: Int
    public var pinnedNode: String?
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The job it runs for and its completion index there.
    public var job: String?
    public var jobIndex: Int?

    public init(
        id: String, service: String? = nil, node: String? = nil, state: ContainerState = .pending,
        desiredState: DesiredState = .running, healthy: Bool? = nil, exitCode: Int? = nil, reason: String? = nil,
        createIndex: UInt64 = 0, templateVersion: UInt64 = 0, attempt: Int = 0, pinnedNode: String? = nil,
        startedAt: Date? = nil, finishedAt: Date? = nil, job: String? = nil, jobIndex: Int? = nil
    ) {
        self.id = id
        self.service = service
        self.node = node
        self.state = state
        self.desiredState = desiredState
        self.healthy = healthy
        self.exitCode = exitCode
        self.reason = reason
        self.createIndex = createIndex
        self.templateVersion = templateVersion
        self.attempt = attempt
        self.pinnedNode = pinnedNode
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.job = job
        self.jobIndex = jobIndex
    }

    /// Wanted and not finished: it holds (or will hold) a slot and resources.
    public var isActive: Bool { desiredState == .running && !state.isTerminal }
}

/// A service as the reconciler sees it.
public struct ServiceView: Sendable, Hashable {
    public var name: String
    public var spec: ServiceSpec
    /// Bumped whenever the template changes; containers from older versions roll out.
    public var templateVersion: UInt64

    public init(name: String, spec: ServiceSpec, templateVersion: UInt64) {
        self.name = name
        self.spec = spec
        self.templateVersion = templateVersion
    }
}
