import BerthCore

extension PlanBuilder {
    /// Each peer lease becomes exactly what the backend says (`NetworkBackend.entries`): a route,
    /// and for VXLAN a neighbour and an FDB entry, as in Flannel; Berth's routes, neighbours and FDB entries for peers that
    /// are gone are removed. A route to a peer subnet that someone else added is not overwritten.
    mutating func peers(_ peers: [PeerNode], node: NodeNetworkConfig, extraRoutes: [RouteSpec] = []) throws(HostNetworkError) {
        var routes: [RouteSpec] = extraRoutes
        var neighbours: [IPv4Address: (MACAddress, String)] = [:]
        var fdb: Set<FDBEntry> = []
        for peer in peers.sorted(by: { $0.subnet.network < $1.subnet.network }) {
            let entries = node.backend.driver.entries(for: peer)
            routes.append(entries.route)
            if let n = entries.neighbour { neighbours[n.address] = (n.mac, n.device) }
            if let entry = entries.fdb { fdb.insert(entry) }
        }
        try self.routes(routes)
        self.neighbours(neighbours)
        self.fdb(fdb)
    }

    private mutating func routes(_ wanted: [RouteSpec]) throws(HostNetworkError) {
        let destinations = Set(wanted.map(\.destination))
        // A route through a link this plan deletes or recreates is gone with that link.
        let live = observed.routes.filter { $0.device.map { !fresh.contains($0) } ?? true }
        for route in live where !route.isOwned && destinations.contains(route.destination) {
            throw .routeConflict(route.destination, protocol: route.proto)
        }
        for route in live.filter(\.isOwned).sorted(by: { RouteSpec(destination: $0.destination, gateway: nil) < RouteSpec(destination: $1.destination, gateway: nil) })
        where !destinations.contains(route.destination) {
            removeRoutes.append(.deleteRoute(RouteSpec(destination: route.destination, gateway: route.gateway, device: route.device, onlink: route.onlink)))
        }
        for route in wanted where !live.contains(where: { $0.isOwned && route.matches($0) }) {
            peerRoutes.append(.replaceRoute(route))
        }
    }

    private mutating func neighbours(_ wanted: [IPv4Address: (MACAddress, String)]) {
        let live = observed.neighbours.filter { LinkNames.isVXLAN($0.device) && !fresh.contains($0.device) }
        for n in live.sorted(by: { $0.address < $1.address }) where n.permanent {
            if let (_, device) = wanted[n.address], device == n.device { continue }
            removeNeighbours.append(.deleteNeighbour(n.address, device: n.device))
        }
        for address in wanted.keys.sorted() {
            let (mac, device) = wanted[address]!
            if live.contains(where: { $0.address == address && $0.device == device && $0.mac == mac && $0.permanent }) { continue }
            peerNeighbours.append(.replaceNeighbour(address, mac: mac, device: device))
        }
    }

    private mutating func fdb(_ wanted: Set<FDBEntry>) {
        let live = Set(observed.fdb.filter { LinkNames.isVXLAN($0.device) && !fresh.contains($0.device) })
        for entry in live.subtracting(wanted).sorted() { removeNeighbours.append(.deleteFDB(entry)) }
        for entry in wanted.subtracting(live).sorted() { peerNeighbours.append(.replaceFDB(entry)) }
    }
}
