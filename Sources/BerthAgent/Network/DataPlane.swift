import BerthClient
import BerthCore
import BerthNetwork
import Foundation
import Logging
import Metrics

/// Keeps the node's network in step with the cluster: follows the node list by long-poll and
/// programs a route (host-gw) or a neighbour, FDB entry and route (vxlan) to every other ready
/// node, removing those of nodes deleted or down; and every `resync` checks the kernel against
/// the plan and repairs what drifted (a route deleted by hand comes back).
///
/// The node list is kept from the feed's own events, so a heartbeat (most node events) costs a
/// comparison, not a list and a sync; a change of peers is programmed by the fast path (only
/// the difference, nothing observed), falling back to a full sync if the kernel refuses it.
struct DataPlane: Sendable {
    let network: NodeNetwork
    let view: ClusterView
    let resync: Duration
    let logger: Logger
    /// From a node change seen to the kernel programmed, as kube-proxy's
    /// `network_programming_duration_seconds`.
    private let programming = Metrics.Timer(label: "berth_agent_network_programming_duration_seconds", dimensions: [("what", "peers")])

    init(network: NodeNetwork, view: ClusterView, resync: Duration = .seconds(10), logger: Logger) {
        self.network = network
        self.view = view
        self.resync = resync
        self.logger = logger
    }

    /// Where `run` follows from: the index of the node list `start` programmed, and that list.
    struct Position: Sendable {
        var index: UInt64
        var nodes: [PeerSelection.NodeView]
    }

    /// Sets the peers from the current node list and syncs once: done before containers start,
    /// so the bridge exists when the first one is attached.
    func start() async throws -> Position {
        let (nodes, index) = try await view.nodes()
        network.setPeers(PeerSelection.peers(nodes, me: network.config.name, cluster: cluster))
        let report = try await network.sync()
        logger.info("node network ready", metadata: [
            "bridge": "berth0", "gateway": "\(network.config.gateway)", "backend": "\(network.config.backend)",
            "peers": "\(network.host.desired.peers.count)", "actions": "\(report.actions.count)",
        ])
        return Position(index: index, nodes: nodes)
    }

    private var cluster: CIDR { network.config.clusterCIDRs.first ?? network.config.subnet }

    /// Follows node changes until cancelled.
    func run(from start: Position) async {
        var after: UInt64? = start.index
        var known = Dictionary(start.nodes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
        var lastSync = ContinuousClock.now
        var delay: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                var seen = ContinuousClock.now
                if let from = after {
                    let wait = max(.seconds(1), resync - (ContinuousClock.now - lastSync))
                    switch try await view.changes(after: from, wait: wait) {
                    case .compacted:
                        after = nil
                    case .changed(let nodes, let networkChanged, let next):
                        for (name, node) in nodes { known[name] = node }
                        after = networkChanged ? nil : next
                    }
                    seen = ContinuousClock.now
                }
                if after == nil {
                    let (nodes, index) = try await view.nodes()
                    known = Dictionary(nodes.map { ($0.name, $0) }, uniquingKeysWith: { $1 })
                    after = index
                }
                let peers = PeerSelection.peers(Array(known.values), me: network.config.name, cluster: cluster)
                let changed = peers != network.host.desired.peers
                let resyncDue = ContinuousClock.now - lastSync >= resync
                guard changed || resyncDue else { continue }
                var report: HostNetwork.SyncReport?
                if changed, !resyncDue {
                    do {
                        report = try await network.updatePeers(peers)
                    } catch {
                        logger.info("the peer change needs a full sync", metadata: ["error": "\(error)"])
                    }
                }
                if report == nil {
                    network.setPeers(peers)
                    report = try await network.sync()
                    lastSync = ContinuousClock.now
                }
                if changed { programming.recordNanoseconds(Int64((ContinuousClock.now - seen) / .nanoseconds(1))) }
                if let report, changed || !report.actions.isEmpty {
                    logger.info("node network synced", metadata: [
                        "peers": "\(peers.count)", "actions": "\(report.actions.count)", "drift": "\(!changed && !report.actions.isEmpty)",
                    ])
                }
                delay = .milliseconds(200)
            } catch {
                if Task.isCancelled { return }
                logger.warning("cannot sync the node network; retrying", metadata: ["error": "\(error)"])
                after = nil
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(5))
            }
        }
    }
}
