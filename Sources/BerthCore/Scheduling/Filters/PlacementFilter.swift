/// One feasibility question about one node. A filter answers nil (feasible) or a rejection
/// whose text reads well after a count: "3 insufficient memory (needs 512 MiB)".
public protocol PlacementFilter: Sendable {
    func reject(_ request: PlacementRequest, on node: NodeState) -> String?
}

/// The filters in the order they run: cheapest and most selective first, so most nodes are
/// turned away by a comparison or two.
public let defaultFilters: [any PlacementFilter] = [
    PinnedNodeFilter(),       // a string compare, and it rules out all but one node
    NodeReadyFilter(),        // two enum compares
    ResourceFitFilter(),      // four integer compares
    HostPortFilter(),         // a set lookup per static port, usually none
    MaxPerNodeFilter(),       // a dictionary lookup, only for services with a limit
    ConstraintFilter(),       // label lookups and string compares per constraint
    SubnetFilter(),           // a node without a subnet cannot give an address
]
