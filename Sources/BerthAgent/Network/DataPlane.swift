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

    /// Sets the peers from the current node list and syncs once: done before containers start,
    /// so the bridge exists when the first one is attached.
    func start() async throws -> UInt64 {
        let (nodes, index) = try await view.nodes()
        network.setPeers(PeerSelection.peers(nodes, me: network.config.name, cluster: cluster))
        let report = try await network.sync()
        logger.info("node network ready", metadata: [
            "bridge": "berth0", "gateway": "\(network.config.gateway)", "backend": "\(network.config.backend)",
            "peers": "\(network.host.desired.peers.count)", "actions": "\(report.actions.count)",
        ])
        return index
    }

    private var cluster: CIDR { network.config.clusterCIDRs.first ?? network.config.subnet }

    /// Follows node changes until cancelled.
    func run(from start: UInt64) async {
        var after: UInt64? = start
        var lastSync = ContinuousClock.now
        var delay: Duration = .milliseconds(200)
        while !Task.isCancelled {
            do {
                var seen = ContinuousClock.now
                if let from = after {
                    let wait = max(.seconds(1), resync - (ContinuousClock.now - lastSync))
                    after = try await view.changes(after: from, wait: wait)
                    seen = ContinuousClock.now
                    guard after != from || ContinuousClock.now - lastSync >= resync else { continue }
                }
                let (nodes, index) = try await view.nodes()
                if after == nil { after = index }
                let peers = PeerSelection.peers(nodes, me: network.config.name, cluster: cluster)
                let changed = peers != network.host.desired.peers
                network.setPeers(peers)
                let report = try await network.sync()
                lastSync = ContinuousClock.now
                if changed { programming.recordNanoseconds(Int64((ContinuousClock.now - seen) / .nanoseconds(1))) }
                if changed || !report.actions.isEmpty {
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
