/// One feasibility question about one node: feasible (nil) or a `Rejection`.
///
/// Filters run tens of thousands of times per scheduling pass, so they answer with a small
/// value; its text ("insufficient memory (needs 512 MiB)") is only made for the summary a
/// pending container shows.
public protocol PlacementFilter: Sendable {
    func check(_ request: PlacementRequest, on node: NodeState) -> Rejection?
}

extension PlacementFilter {
    /// The rejection as a user reads it, after a count: "3 insufficient memory (needs 512 MiB)".
    public func reject(_ request: PlacementRequest, on node: NodeState) -> String? {
        check(request, on: node)?.text(for: request)
    }
}

/// Why a node cannot take a container.
public enum Rejection: Hashable, Sendable {
    case notPinnedNode
    case nodeDown
    case nodePaused
    case nodeDraining
    case insufficientMemory
    case insufficientCPU
    case hostPortInUse(Int)
    case maxPerNodeReached
    /// The index of the hard constraint that did not match.
    case constraint(Int)
    case noSubnet

    public func text(for request: PlacementRequest) -> String {
        switch self {
        case .notPinnedNode: "not the node this global service container is for"
        case .nodeDown: "node down"
        case .nodePaused: "node paused"
        case .nodeDraining: "node draining"
        case .insufficientMemory: "insufficient memory (needs \(request.resources.memory) MiB)"
        case .insufficientCPU: "insufficient cpu (needs \(request.resources.cpu)m)"
        case .hostPortInUse(let port): "host port \(port) in use"
        case .maxPerNodeReached: "max \(request.maxPerNode) per node reached"
        case .constraint(let i): i < request.constraints.count ? "did not match \(request.constraints[i])" : "did not match a constraint"
        case .noSubnet: "node has no subnet"
        }
    }
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
