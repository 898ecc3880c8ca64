import BerthCore

extension HostNetworkPlanner {
    /// The peer fast path: the actions that take the kernel from what `old` peers asked for to
    /// what `new` ones ask for (and the `peer-nodes` set's elements), without looking at it first (a sync observes the whole node with
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
        var actions = plan.actions.map { action in
            if case .replaceRoute(let route) = action, !known.contains(route.destination) { return NetworkAction.addRoute(route) }
            return action
        }
        // The peer nodes' addresses (VXLAN and host-gw traffic is accepted from them only).
        let before = NFTTable(name: NodeFirewall.tableName, sets: [NodeFirewall.peerNodes(old)])
        let after = NFTTable(name: NodeFirewall.tableName, sets: [NodeFirewall.peerNodes(new)])
        let elements = NFTDiff.transaction(desired: after, observed: before)
        if !elements.isEmpty { actions.append(.nftTransaction(elements)) }
        return actions
    }

    /// The kernel as `peers(_:node:)` leaves it for `peers`: their routes, neighbours and FDB entries.
    static func programmed(_ peers: [PeerNode], node: NodeNetworkConfig) -> HostNetworkObserved {
        var observed = HostNetworkObserved()
        for peer in peers {
            let entries = node.backend.driver.entries(for: peer)
            let r = entries.route
            observed.routes.append(ObservedRoute(destination: r.destination, gateway: r.gateway, device: r.device, onlink: r.onlink, proto: RouteProtocol.berthText))
            if let n = entries.neighbour { observed.neighbours.append(ObservedNeighbour(address: n.address, mac: n.mac, device: n.device, permanent: true)) }
            if let entry = entries.fdb { observed.fdb.append(entry) }
        }
        return observed
    }
}
