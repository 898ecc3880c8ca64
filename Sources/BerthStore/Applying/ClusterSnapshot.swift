import BerthCore
import Foundation

/// What a controller pass planned from — a part of the in-memory `ClusterState` at one
/// index — handed to `PlanApplier`, which re-checks each container against it before writing.
public struct ClusterSnapshot: Sendable {
    /// The nodes the plan may ask about (see `ClusterModel.snapshot`).
    public var nodes: [NodeState]
    public var services: [ServiceView]
    /// The containers the plan may touch: of the services planned, or on the nodes looked at.
    public var containers: [ContainerView]
    /// modifyIndex per container id, so an apply can tell what changed since the read.
    public var versions: [String: UInt64]
    public var index: UInt64
}
