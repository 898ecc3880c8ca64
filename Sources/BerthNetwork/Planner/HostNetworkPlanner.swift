import BerthCore

/// The pure heart of the node network: `plan(desired:observed:)` compares what should be with
/// what is and returns the actions that close the gap. No I/O; the same input gives the same
/// plan; applying it and planning again gives nothing.
///
/// Only Berth's objects are ever changed: links named `berth0`, `berthvx*`, `bv*`; routes with
/// protocol 98; neighbours and FDB entries on the VXLAN device; the `ip berth` nft table. Input
/// that cannot work (an overlap with the underlay, a foreign `berth0`, a foreign route to a peer
/// subnet) throws before any action is returned, so nothing is half-configured.
///
/// Actions come in a fixed order that respects dependencies: forwarding; stale routes,
/// neighbours and FDB entries; stale links; the bridge; the VXLAN device; containers; peer
/// routes, neighbours and FDB entries; the nft transaction.
public enum HostNetworkPlanner {
    /// The underlay link, found from the node's underlay address.
    public struct Underlay: Sendable, Hashable {
        public var device: String
        public var mtu: Int
        public var network: CIDR
    }

    public static func plan(desired: HostNetworkDesired, observed: HostNetworkObserved) throws(HostNetworkError) -> [NetworkAction] {
        try desired.validate()
        let node = desired.node
        let underlay = try findUnderlay(node, observed)
        for cidr in [node.subnet] + node.clusterCIDRs where cidr.overlaps(underlay.network) {
            throw .overlapsUnderlay(cidr, underlay: underlay.network)
        }
        let mtu = node.backend.mtu(underlayMTU: underlay.mtu)
        guard mtu >= 576 else { throw .invalidConfiguration("underlay MTU \(underlay.mtu) leaves \(mtu) for containers, below IPv4's 576") }

        var plan = PlanBuilder(observed: observed)
        if !observed.ipForwarding { plan.first.append(.setSysctl(key: "net.ipv4.ip_forward", value: "1")) }
        guard let bridgeNetfilter = observed.bridgeNetfilter else { throw .bridgeNetfilterMissing }
        if !bridgeNetfilter { plan.first.append(.setSysctl(key: "net.bridge.bridge-nf-call-iptables", value: "1")) }
        try plan.bridge(node: node, mtu: mtu)
        try plan.backendDevice(node: node, underlay: underlay, mtu: mtu)
        try plan.containers(desired.containers, node: node, mtu: mtu)
        try plan.peers(desired.peers, node: node, extraRoutes: serviceRoutes(node))

        let firewall = NodeFirewall.table(node: node, containers: desired.containers, peers: desired.peers, extensions: desired.firewallExtensions)
        let bridgeFirewall = NodeFirewall.bridgeTable(node: node, containers: desired.containers)
        do { try firewall.validate(); try bridgeFirewall?.validate() } catch { throw .invalidConfiguration(error.description) }
        let transaction = NodeFirewall.transaction(ip: firewall, bridge: bridgeFirewall, observedIP: observed.firewall, observedBridge: observed.bridgeFirewall)
        if !transaction.isEmpty { plan.last.append(.nftTransaction(transaction)) }
        return plan.actions
    }

    /// Everything Berth made in the node namespace, removed: routes, links (which take their
    /// addresses, neighbours and FDB entries along) and the nft table. Containers' namespaces
    /// are the caller's (`detach`).
    public static func teardown(observed: HostNetworkObserved) -> [NetworkAction] {
        var actions: [NetworkAction] = observed.ownedRoutes.map { .deleteRoute(RouteSpec(destination: $0.destination, gateway: $0.gateway)) }
            .sorted { if case .deleteRoute(let a) = $0, case .deleteRoute(let b) = $1 { a < b } else { false } }
        actions += observed.ownedLinks.filter { $0.name != LinkNames.bridge }.map { .deleteLink($0.name) }
        if observed.links[LinkNames.bridge]?.kind == "bridge" { actions.append(.deleteLink(LinkNames.bridge)) }
        let tables = NodeFirewall.transaction(ip: nil, bridge: nil, observedIP: observed.firewall, observedBridge: observed.bridgeFirewall)
        if !tables.isEmpty { actions.append(.nftTransaction(tables)) }
        return actions
    }

    /// A route for each service range through the bridge, with the underlay address as the
    /// source (what the node picked before through its default route). Locally sent packets are
    /// routed before any nftables hook sees them: without a route covering a VIP, the node's own
    /// connection to it failed with "network unreachable" before the VIP's DNAT or its
    /// no-target reject could run. With the route, the output hook always sees the packet; the
    /// DNAT re-routes it to its target. (Containers' packets are routed by the node after
    /// prerouting, where the VIP rules run, so they need no route.)
    static func serviceRoutes(_ node: NodeNetworkConfig) -> [RouteSpec] {
        node.serviceCIDRs.map { RouteSpec(destination: $0, gateway: nil, device: LinkNames.bridge, source: node.underlayAddress) }
    }

    static func findUnderlay(_ node: NodeNetworkConfig, _ observed: HostNetworkObserved) throws(HostNetworkError) -> Underlay {
        for link in observed.links.values.sorted(by: { $0.name < $1.name }) {
            if let address = link.addresses.first(where: { $0.address == node.underlayAddress }) {
                guard !LinkNames.isOwned(link.name) else {
                    throw .invalidConfiguration("underlay address \(node.underlayAddress) is on \(link.name), a Berth link")
                }
                return Underlay(device: link.name, mtu: link.mtu, network: address.network)
            }
        }
        throw .underlayNotFound(node.underlayAddress)
    }
}

/// Collects actions into the plan's phases, remembering which links this plan (re)creates so
/// that what the kernel showed on their old incarnation is not taken as still there.
struct PlanBuilder {
    let observed: HostNetworkObserved
    var first: [NetworkAction] = []
    var removeRoutes: [NetworkAction] = []
    var removeNeighbours: [NetworkAction] = []
    var removeLinks: [NetworkAction] = []
    var links: [NetworkAction] = []
    var containerLinks: [NetworkAction] = []
    var peerRoutes: [NetworkAction] = []
    var peerNeighbours: [NetworkAction] = []
    var last: [NetworkAction] = []
    /// Links created in this plan: nothing observed on them survives.
    var fresh: Set<String> = []

    init(observed: HostNetworkObserved) { self.observed = observed }

    var actions: [NetworkAction] {
        first + removeRoutes + removeNeighbours + removeLinks + links + containerLinks + peerRoutes + peerNeighbours + last
    }

    /// The observed link called `name`, unless this plan deletes or recreates it.
    func existing(_ name: String) -> ObservedLink? { fresh.contains(name) ? nil : observed.links[name] }
}
