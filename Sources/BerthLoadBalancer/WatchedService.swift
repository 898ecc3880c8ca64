import BerthCore

/// What the follower last learned about one watched service, in the form the renderers take.
///
/// A service that does not exist (the server answered 404) is still rendered, with no target,
/// so a load balancer can be set up before the service is created and keeps answering 503
/// instead of failing to load its configuration.
public struct WatchedService: Sendable, Hashable {
    /// The service name, as given on the command line.
    public var name: String
    /// The latest targets, or nil when the service does not exist.
    public var targets: ServiceTargets?
    /// The change index of the answer in which these targets were first seen; it stays put while
    /// later answers repeat the same targets, so the rendered text does not change with it.
    public var index: UInt64

    public init(name: String, targets: ServiceTargets?, index: UInt64) {
        self.name = name
        self.targets = targets
        self.index = index
    }
}
