import BerthCore

extension HostNetworkPlanner {
    /// The peer fast path: the actions that take the kernel from what `old` peers asked for to
    /// what `new` ones ask for, without looking at it first (a sync observes the whole node with
    /// four processes; a node joining a 50-node cluster makes 49 agents do that at once). It
    /// assumes the kernel holds exactly the old peers' routes, neighbours and FDB entries, as
    /// after a sync; the periodic sync repairs it if not.
    ///
    /// Changed and removed peers are replaced and deleted as `plan` would. A route to a subnet
    /// no old peer had is *added* (`ip route add`), not replaced: if someone else routes that
    /// subnet, the add fails instead of overwriting their route, and the caller falls back to a
    /// sync, which observes and refuses with `routeConflict`.
    public static func peerChanges(from old: [PeerNode], to new: [PeerNode], node: NodeNetworkConfig) throws(HostNetworkError) -> [NetworkAction] {
        var plan = PlanBuilder(observed: programmed(old, node: node))
        try plan.peers(new, node: node)
        let known = Set(old.map(\.subnet))
        return plan.actions.map { action in
            if case .replaceRoute(let route) = action, !known.contains(route.destination) { return .addRoute(route) }
            return action
        }
    }

    /// The kernel as `peers(_:node:)` leaves it for `peers`: their routes, neighbours and FDB entries.
    static func programmed(_ peers: [PeerNode], node: NodeNetworkConfig) -> HostNetworkObserved {
        var observed = HostNetworkObserved()
        for peer in peers {
            switch node.backend {
            case .hostGW:
                observed.routes.append(ObservedRoute(destination: peer.subnet, gateway: peer.underlayAddress, device: nil, onlink: false, proto: RouteProtocol.berthText))
            case .vxlan(let vni, _):
                let device = LinkNames.vxlan(vni: vni)
                observed.routes.append(ObservedRoute(destination: peer.subnet, gateway: peer.subnet.network, device: device, onlink: true, proto: RouteProtocol.berthText))
                observed.neighbours.append(ObservedNeighbour(address: peer.subnet.network, mac: peer.effectiveVTEPMAC, device: device, permanent: true))
                observed.fdb.append(FDBEntry(mac: peer.effectiveVTEPMAC, device: device, destination: peer.underlayAddress))
            }
        }
        return observed
    }
}
