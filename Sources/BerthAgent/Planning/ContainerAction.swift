import BerthCore

/// What the driver runs, as the container planner sees it.
public struct ObservedContainer: Sendable, Hashable {
    public var node: String
    /// Found running when the agent started and not yet confirmed to the server.
    public var adopted: Bool

    public init(node: String, adopted: Bool = false) {
        self.node = node
        self.adopted = adopted
    }
}

/// One step the agent takes on its containers; the agent loop carries them out in order.
public enum ContainerAction: Sendable, Hashable {
    /// Start the container on `node`: report `starting`, run it, report `running` (with its host
    /// ports) or `failed` with the reason.
    case start(Container, node: String)
    /// Stop what runs; afterwards tell the server `exited` with `reason` unless `report` is nil
    /// (a container the server forgot, or one it already counts as ended).
    case stop(id: String, node: String, report: String?)
    /// An adopted container the server still wants: confirm it runs (with its host ports) and
    /// resume its health checks.
    case confirm(id: String, node: String)
    /// Tell the server a fact without touching the driver.
    case report(id: String, StatusReport)
}
