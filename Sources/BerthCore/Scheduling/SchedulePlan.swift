/// What one scheduling pass decided: where each placeable container goes, and, for each that
/// fits nowhere, why — in words a user can act on.
public struct SchedulePlan: Sendable, Equatable {
    public struct Assignment: Sendable, Equatable {
        public var container: String
        public var node: String

        public init(container: String, node: String) {
            self.container = container
            self.node = node
        }
    }

    public var assignments: [Assignment] = []
    /// Container id → reason, e.g. "0/5 nodes available: 3 insufficient memory (needs 512 MiB), …".
    public var unschedulable: [String: String] = [:]
    /// Nodes run through the filters while planning: the work a plan cost, which follows the
    /// requests and the sample size, not the size of the cluster.
    public var nodesExamined = 0

    public init() {}
}
