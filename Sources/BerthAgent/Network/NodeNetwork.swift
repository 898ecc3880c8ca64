import BerthCore
import BerthNetwork
import Dispatch
import Foundation

/// The node's container network as the agent drives it: a `HostNetwork` whose calls (which
/// block on `ip` and `nft`) run one at a time on a queue of their own, off Swift's small
/// cooperative pool.
final class NodeNetwork: Sendable {
    let config: NodeNetworkConfig
    let host: HostNetwork
    private let queue = DispatchQueue(label: "berth.agent.network")

    init(config: NodeNetworkConfig) {
        self.config = config
        host = HostNetwork(node: config)
    }

    /// The name of a container's network namespace, `<node>-ctr-<id>`: starting with the node's
    /// name keeps two agents on one machine (a lab) apart and lets a lab's teardown find them by
    /// its prefix, and `removeLeftovers` finds a killed agent's by it.
    func namespace(forContainer id: String) -> String { Self.namespacePrefix(node: config.name) + id }

    static func namespacePrefix(node: String) -> String { "\(node)-ctr-" }

    @discardableResult
    func sync() async throws -> HostNetwork.SyncReport {
        try await run { host in try host.sync() }
    }

    func attach(_ container: ContainerNetwork) async throws {
        try await run { host in try host.attach(container) }
    }

    func detach(_ id: String) async throws {
        try await run { host in
            do {
                try host.detach(containerID: id)
            } catch HostNetworkError.containerNotAttached(_) {
                // Already gone (its start failed, or a sync removed it): nothing to undo.
            }
        }
    }

    func setPeers(_ peers: [PeerNode]) { host.setPeers(peers) }

    /// Programs the change to `peers` alone (see `HostNetwork.updatePeers`).
    @discardableResult
    func updatePeers(_ peers: [PeerNode]) async throws -> HostNetwork.SyncReport {
        try await run { host in try host.updatePeers(peers) }
    }

    /// Declares adopted containers (and gives each the MAC anti-spoofing expects; see `HostNetwork.adopt`).
    func adopt(_ containers: [ContainerNetwork]) async {
        _ = try? await run { host in host.adopt(containers) }
    }

    /// Deletes the conntrack entries from and to `address` (a container a killed agent left).
    func forgetFlows(of address: IPv4Address) async throws {
        try await run { host in try host.executor.forgetFlows(of: address) }
    }

    /// Deletes container namespaces of this node that no container in `keep` owns (an agent
    /// killed between making a namespace and starting its container leaves one behind).
    func removeNamespaces(keeping keep: Set<String>) async {
        let prefix = Self.namespacePrefix(node: config.name)
        let names = (try? FileManager.default.contentsOfDirectory(atPath: "/run/netns")) ?? []
        for name in names where name.hasPrefix(prefix) {
            let id = String(name.dropFirst(prefix.count))
            guard id.utf8.count == 16, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }), !keep.contains(id) else { continue }
            _ = try? await run { host in try host.executor.runner.check(["ip", "netns", "del", name]) }
        }
    }

    private func run<T: Sendable>(_ body: @escaping @Sendable (HostNetwork) throws -> T) async throws -> T {
        let host = self.host
        return try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body(host) }) }
        }
    }
}
