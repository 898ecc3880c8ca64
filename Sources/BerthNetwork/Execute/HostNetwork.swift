import BerthCore
import Foundation
import Synchronization

/// The node network as the agent uses it: holds the desired state (node, peers, containers),
/// repairs drift with `sync()` (observe → plan → apply), and attaches and detaches containers
/// on a fast path that spawns three processes and does not observe the whole node.
///
/// Calls block on the tools they run, so an async caller runs them off its executor. They are
/// serialised: a sync never sees an attach half-done.
public final class HostNetwork: Sendable {
    public let executor: HostNetworkExecutor
    private let state: Mutex<State>

    struct State {
        var desired: HostNetworkDesired
        /// The container MTU as of the last sync, known once the underlay has been seen.
        var mtu: Int?
    }

    /// What one `sync()` did.
    public struct SyncReport: Sendable {
        public var actions: [NetworkAction]
        public var processes: Int
    }

    public init(node: NodeNetworkConfig, runner: ToolRunner = ToolRunner()) {
        executor = HostNetworkExecutor(namespace: node.namespace, runner: runner)
        state = Mutex(State(desired: HostNetworkDesired(node: node)))
    }

    public var desired: HostNetworkDesired { state.withLock { $0.desired } }

    /// Switches the backend (the cluster network's changed); the next `sync()` replaces the
    /// VXLAN device or the host-gw routes and the MTUs that go with them.
    public func setBackend(_ backend: Backend) {
        state.withLock { $0.desired.node.backend = backend }
    }

    /// Replaces the peer list; the next `sync()` makes the kernel match.
    public func setPeers(_ peers: [PeerNode]) {
        state.withLock { $0.desired.peers = peers }
    }

    /// Replaces the container list without touching the kernel: what an agent restarting over
    /// running containers knows they are attached to (the next `sync()` keeps exactly these).
    public func setContainers(_ containers: [ContainerNetwork]) {
        state.withLock { $0.desired.containers = containers }
    }

    /// Sets the extra chains and sets other subsystems keep in `ip berth`.
    public func setFirewallExtensions(_ table: NFTTable?) {
        state.withLock { $0.desired.firewallExtensions = table }
    }

    /// Observes the node namespace, plans, and applies the plan. A plan that cannot be made
    /// (bad input) throws before anything is changed.
    @discardableResult
    public func sync() throws(HostNetworkError) -> SyncReport {
        try state.withLock { (state) throws(HostNetworkError) -> SyncReport in
            let before = executor.runner.processCount
            let observed = try executor.observe()
            let actions = try HostNetworkPlanner.plan(desired: state.desired, observed: observed)
            try executor.apply(actions)
            let underlay = try HostNetworkPlanner.findUnderlay(state.desired.node, observed)
            state.mtu = state.desired.node.backend.mtu(underlayMTU: underlay.mtu)
            return SyncReport(actions: actions, processes: executor.runner.processCount - before)
        }
    }

    /// Replaces the peer list and programs only the difference (`HostNetworkPlanner.peerChanges`):
    /// one `ip -batch`, and one `bridge -batch` for VXLAN, nothing observed. Throws `notSynced`
    /// before the first sync, and whatever the kernel refuses (a foreign route to a new peer's
    /// subnet, state that drifted); the new list is kept either way, so the caller's `sync()`
    /// then repairs or reports it.
    @discardableResult
    public func updatePeers(_ peers: [PeerNode]) throws(HostNetworkError) -> SyncReport {
        try state.withLock { (state) throws(HostNetworkError) -> SyncReport in
            guard state.mtu != nil else { throw .notSynced }
            var next = state.desired
            next.peers = peers
            try next.validate()
            let actions = try HostNetworkPlanner.peerChanges(from: state.desired.peers, to: peers, node: next.node)
            state.desired = next
            let before = executor.runner.processCount
            try executor.apply(actions)
            return SyncReport(actions: actions, processes: executor.runner.processCount - before)
        }
    }

    /// Creates the container's namespace and connects it: `ip netns add`, one `ip -batch` in the
    /// node namespace (veth pair, onto the bridge), one in the container's (address, up, default
    /// route), and one `nft -f` only if it publishes ports. On failure the namespace is removed
    /// again, which takes the veth pair with it.
    public func attach(_ container: ContainerNetwork) throws(HostNetworkError) {
        try state.withLock { (state) throws(HostNetworkError) in
            guard let mtu = state.mtu else { throw .notSynced }
            var next = state.desired
            next.containers.removeAll { $0.id == container.id }
            next.containers.append(container)
            try next.validate()
            let node = next.node
            let created = !FileManager.default.fileExists(atPath: "/run/netns/" + container.namespace)
            if created { try executor.runner.check(["ip", "netns", "add", container.namespace]) }
            var actions: [NetworkAction] = [
                .createVeth(hostName: container.hostLinkName, mtu: mtu, containerNamespace: container.namespace),
                .setLink(container.hostLinkName, master: LinkNames.bridge, up: true),
                .setHairpin(container.hostLinkName),
                .configureContainer(PlanBuilder.interface(container, node: node, mtu: mtu)),
            ]
            let transaction = firewallDelta(from: state.desired, to: next)
            if !transaction.isEmpty { actions.append(.nftTransaction(transaction)) }
            do throws(HostNetworkError) {
                try executor.apply(actions)
            } catch {
                if created { _ = try? executor.runner.run(["ip", "netns", "del", container.namespace]) }
                throw error
            }
            state.desired = next
        }
    }

    /// Removes the container's veth pair, its published ports and its namespace.
    public func detach(containerID: String) throws(HostNetworkError) {
        try state.withLock { (state) throws(HostNetworkError) in
            guard let container = state.desired.containers.first(where: { $0.id == containerID }) else {
                throw .containerNotAttached(containerID)
            }
            var next = state.desired
            next.containers.removeAll { $0.id == containerID }
            var actions: [NetworkAction] = []
            let transaction = firewallDelta(from: state.desired, to: next)
            if !transaction.isEmpty { actions.append(.nftTransaction(transaction)) }
            state.desired = next
            try executor.apply(actions)
            // Deleting the namespace destroys the veth pair, but the kernel does that later, in
            // a work queue; deleting the host end first makes the removal visible at once.
            _ = try executor.runner.run(executor.ip(["link", "del", container.hostLinkName]))
            if FileManager.default.fileExists(atPath: "/run/netns/" + container.namespace) {
                try executor.runner.check(["ip", "netns", "del", container.namespace])
            }
        }
    }

    /// Removes everything Berth made in the node namespace (see `HostNetworkPlanner.teardown`).
    public func teardown() throws(HostNetworkError) {
        try state.withLock { (state) throws(HostNetworkError) in
            try executor.apply(HostNetworkPlanner.teardown(observed: try executor.observe()))
            state.mtu = nil
        }
    }

    /// The element changes between two desired firewalls: what attach and detach send, assuming
    /// the table matched the first (a sync repairs it if not).
    private func firewallDelta(from old: HostNetworkDesired, to new: HostNetworkDesired) -> NFTTransaction {
        let before = NodeFirewall.table(node: old.node, containers: old.containers, extensions: old.firewallExtensions)
        let after = NodeFirewall.table(node: new.node, containers: new.containers, extensions: new.firewallExtensions)
        return NFTDiff.transaction(desired: after, observed: NFTTable(observedFrom: before))
    }
}

extension NFTTable {
    /// A desired table as it would read back from the kernel (rules known by fingerprint only).
    init(observedFrom table: NFTTable) {
        self = table
        for name in chains.keys { chains[name]!.rules = chains[name]!.rules.map { NFTRule(observedComment: $0.storedComment, handle: 0) } }
    }
}
