import BerthClient
import BerthCore
import BerthNetwork
import Foundation
import Logging
import Metrics

/// Keeps the node's network in step with the cluster: follows the nodes and networks by
/// long-poll and programs a route (host-gw) or a neighbour, FDB entry and route (vxlan) to every
/// other ready node, removing those of nodes deleted or down; and every `resync` checks the
/// kernel against the plan and repairs what drifted (a route deleted by hand comes back).
///
/// A peer's heartbeat is a node event too; it changes no peer, so it costs a comparison, not a
/// sync: the kernel is touched when the peers, or the network's backend, change. A change of
/// peers goes through `HostNetwork.updatePeers` (one `ip -batch`, plus a `bridge -batch` for
/// VXLAN, nothing observed): with 50 nodes, 49 agents react to a join at once.
struct DataPlane: Sendable {
    let network: any PeerNetwork
    let view: any NodeFeed
    let resync: Duration
    let clock: any BerthClock
    let logger: Logger
    /// From a node change seen to the kernel programmed, as kube-proxy's
    /// `network_programming_duration_seconds`.
    private let programming = Metrics.Timer(label: "berth_agent_network_programming_duration_seconds", dimensions: [("what", "peers")])
    private let drift = Counter(label: "berth_agent_network_drift_repairs_total")

    init(network: any PeerNetwork, view: any NodeFeed, resync: Duration = .seconds(10), clock: any BerthClock, logger: Logger) {
        self.network = network
        self.view = view
        self.resync = resync
        self.clock = clock
        self.logger = logger
    }

    private var cluster: CIDR { network.config.clusterCIDRs.first ?? network.config.subnet }

    /// Sets the peers from the current node list and syncs once: done before containers start,
    /// so the bridge exists when the first one is attached.
    func start() async throws -> UInt64 {
        let (nodes, index) = try await view.nodes()
        network.setPeers(PeerSelection.peers(nodes, me: network.config.name, cluster: cluster))
        let actions = try await network.fullSync()
        logger.info("node network ready", metadata: [
            "bridge": "berth0", "gateway": "\(network.config.gateway)", "backend": "\(network.backend)",
            "peers": "\(network.peers.count)", "actions": "\(actions)",
        ])
        return index
    }

    /// Follows node and network changes until cancelled.
    func run(from start: UInt64) async {
        var nodes: [String: PeerSelection.NodeView]?
        var after = start
        var lastSync = clock.uptime
        var backoff = Backoff()
        // After a failure the plan may hold what the kernel refused: the next pass programs it
        // all (a full sync), not only what differs from the plan.
        var failed = false
        while !Task.isCancelled {
            do {
                if nodes == nil {
                    let (list, index) = try await view.nodes()
                    nodes = Dictionary(list.map { ($0.name, $0) }) { $1 }
                    after = index
                    try await apply(nodes!.values, seen: clock.uptime, force: failed)
                    failed = false
                    lastSync = clock.uptime
                    continue
                }
                let wait = max(.seconds(1), resync - (clock.uptime - lastSync))
                guard let changes = try await view.changes(after: after, wait: wait) else {
                    nodes = nil  // compacted past `after`: list again
                    continue
                }
                let seen = clock.uptime
                after = changes.next
                for node in changes.nodes { nodes![node.name] = node }
                for name in changes.deletedNodes { nodes![name] = nil }
                for cluster in changes.networks where cluster.name == Network.defaultName {
                    let backend = try Backend(name: cluster.backend ?? "vxlan", vni: UInt32(clamping: cluster.vni ?? 1))
                    if backend != network.backend {
                        logger.notice("the cluster network's backend changed; reprogramming", metadata: ["backend": "\(backend)"])
                        network.setBackend(backend)
                        try await apply(nodes!.values, seen: seen, force: true)
                        lastSync = clock.uptime
                    }
                }
                if try await apply(nodes!.values, seen: seen) {
                    lastSync = clock.uptime
                } else if clock.uptime - lastSync >= resync {
                    // The periodic check: the plan is unchanged, so anything to do is drift.
                    let actions = try await network.fullSync()
                    if actions > 0 {
                        drift.increment()
                        logger.warning("node network had drifted from the plan; repaired", metadata: ["actions": "\(actions)"])
                    }
                    lastSync = clock.uptime
                }
                backoff.succeeded()
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot sync the node network; retrying", metadata: ["error": "\(error)"])
                nodes = nil
                failed = true
                do { try await backoff.wait(on: clock) } catch { return }
            }
        }
    }

    /// Programs the peers the node list gives, if they differ from the plan's (or `force`):
    /// through the fast path (only the difference, nothing observed) unless `force`, and by a
    /// full sync when that path is refused. Returns whether a full sync ran (which resets the
    /// drift check's clock; the fast path looks at nothing, so it does not).
    @discardableResult
    private func apply(_ nodes: some Collection<PeerSelection.NodeView>, seen: Duration, force: Bool = false) async throws -> Bool {
        let peers = PeerSelection.peers(Array(nodes), me: network.config.name, cluster: cluster)
        guard force || peers != network.peers else { return false }
        if !force {
            do {
                let actions = try await network.changePeers(peers)
                programming.recordNanoseconds(Int64((clock.uptime - seen) / .nanoseconds(1)))
                logger.info("node network peers updated", metadata: ["peers": "\(peers.count)", "actions": "\(actions)"])
                return false
            } catch {
                logger.info("the peer change needs a full sync", metadata: ["error": "\(error)"])
            }
        }
        network.setPeers(peers)
        let actions = try await network.fullSync()
        programming.recordNanoseconds(Int64((clock.uptime - seen) / .nanoseconds(1)))
        logger.info("node network synced", metadata: ["peers": "\(peers.count)", "actions": "\(actions)"])
        return true
    }
}
