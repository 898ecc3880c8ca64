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
        /// Containers whose detach has not finished (nft refused, a namespace or conntrack
        /// failed): retried by every detach, attach and sync, never forgotten.
        var detaching: [String: ContainerNetwork] = [:]
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
            var desired = state.desired
            desired.containers.removeAll { state.detaching[$0.id] != nil }
            let actions = try HostNetworkPlanner.plan(desired: desired, observed: observed)
            try executor.apply(actions)
            state.desired = desired
            let underlay = try HostNetworkPlanner.findUnderlay(state.desired.node, observed)
            state.mtu = state.desired.node.backend.mtu(underlayMTU: underlay.mtu)
            try finishDetaches(&state)
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
    /// node namespace (veth pair, onto the bridge), one `nft -f` (its anti-spoofing entry, its
    /// published ports), then one `ip -batch` in the container's (address, up, default route).
    /// On failure the namespace is removed again, which takes the veth pair with it.
    public func attach(_ container: ContainerNetwork) throws(HostNetworkError) {
        try state.withLock { (state) throws(HostNetworkError) in
            guard let mtu = state.mtu else { throw .notSynced }
            do { try finishDetaches(&state) } catch {
                // Only what still holds this container's address, namespace or link stops it.
                if let old = state.detaching.values.first(where: { $0.address == container.address || $0.namespace == container.namespace || $0.id == container.id }) {
                    throw .invalidConfiguration("\(container.address) is still being released from container \(old.id): \(error)")
                }
            }
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
                // What was sent to the address before it had an owner and waits on the node's
                // unresolved neighbour entry passed the forward filter before this container's
                // policy existed: it must not be delivered to the container once it answers ARP.
                .flushNeighbour(container.address, device: LinkNames.bridge),
            ]
            let transaction = firewallDelta(from: state.desired, to: next)
            if !transaction.isEmpty { actions.append(.nftTransaction(transaction)) }
            do throws(HostNetworkError) {
                // The anti-spoofing entry before the container has its address: its first
                // frames (an ARP for the gateway) pass, instead of being dropped and retried a
                // second later with what it wanted to send held back meanwhile.
                try executor.apply(actions)
                try executor.apply([.configureContainer(PlanBuilder.interface(container, node: node, mtu: mtu))])
            } catch {
                if created { _ = try? executor.runner.run(["ip", "netns", "del", container.namespace]) }
                throw error
            }
            state.desired = next
        }
    }

    /// Removes the container's published ports and anti-spoofing entry (one `nft -f`), its veth
    /// pair and namespace, then the conntrack entries from and to its address. The container
    /// leaves the desired state only once nft took that; whatever fails leaves it pending
    /// (`detaching`) and is retried by the next detach, attach or sync, so nothing leaks. The
    /// caller may hand the address to another container only once this returned without error.
    public func detach(containerID: String) throws(HostNetworkError) {
        try state.withLock { (state) throws(HostNetworkError) in
            guard let container = state.desired.containers.first(where: { $0.id == containerID }) ?? state.detaching[containerID] else {
                throw .containerNotAttached(containerID)
            }
            state.detaching[containerID] = container
            try finishDetaches(&state)
        }
    }

    /// Containers whose detach has not finished yet.
    public var pendingDetaches: [String] { state.withLock { $0.detaching.keys.sorted() } }

    /// Finishes every pending detach: the nft change that removes them first (the desired state
    /// changes only once it applied), then each one's link, namespace and flows. Throws the
    /// first failure; what failed stays pending.
    private func finishDetaches(_ state: inout State) throws(HostNetworkError) {
        guard !state.detaching.isEmpty else { return }
        var next = state.desired
        next.containers.removeAll { state.detaching[$0.id] != nil }
        if next.containers.count != state.desired.containers.count {
            let transaction = firewallDelta(from: state.desired, to: next)
            if !transaction.isEmpty { try executor.apply([.nftTransaction(transaction)]) }
            state.desired = next
        }
        var failure: HostNetworkError?
        for (id, container) in state.detaching.sorted(by: { $0.key < $1.key }) {
            do throws(HostNetworkError) {
                try release(container)
                state.detaching[id] = nil
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
    }

    /// The container's link and namespace, then its conntrack entries. Deleting the namespace
    /// destroys the veth pair, but the kernel does that later, in a work queue; deleting the host
    /// end first makes the removal visible at once (and stops new flows before the flush).
    private func release(_ container: ContainerNetwork) throws(HostNetworkError) {
        _ = try executor.runner.run(executor.ip(["link", "del", container.hostLinkName]))
        if FileManager.default.fileExists(atPath: "/run/netns/" + container.namespace) {
            try executor.runner.check(["ip", "netns", "del", container.namespace])
        }
        try executor.forgetFlows(of: container.address)
    }

    /// Adopted containers (an agent restarting over running ones): declared like
    /// `setContainers`, and each one's `eth0` given its derived MAC if it has another (one made
    /// before anti-spoofing named MACs), so the bridge does not drop its frames. The node's
    /// neighbour entry for it is flushed so the node learns the new MAC at once.
    public func adopt(_ containers: [ContainerNetwork]) {
        setContainers(containers)
        for c in containers {
            guard let output = try? executor.runner.run(["ip", "-n", c.namespace, "-o", "link", "show", LinkNames.containerInterface]),
                  output.status == 0 else { continue }
            let text = String(decoding: output.stdout, as: UTF8.self)
            guard let range = text.range(of: "link/ether "), !text[range.upperBound...].hasPrefix(c.mac.description) else { continue }
            _ = try? executor.runner.run(["ip", "-n", c.namespace, "link", "set", LinkNames.containerInterface, "address", c.mac.description])
            _ = try? executor.runner.run(executor.ip(["neigh", "del", "\(c.address)", "dev", LinkNames.bridge]))
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
        let before = NodeFirewall.table(node: old.node, containers: old.containers, peers: old.peers, extensions: old.firewallExtensions)
        let after = NodeFirewall.table(node: new.node, containers: new.containers, peers: new.peers, extensions: new.firewallExtensions)
        let bridgeBefore = NodeFirewall.bridgeTable(node: old.node, containers: old.containers)
        let bridgeAfter = NodeFirewall.bridgeTable(node: new.node, containers: new.containers)
        return NodeFirewall.transaction(ip: after, bridge: bridgeAfter, observedIP: NFTTable(observedFrom: before),
                                        observedBridge: bridgeBefore.map { NFTTable(observedFrom: $0) })
    }
}

extension NFTTable {
    /// A desired table as it would read back from the kernel (rules known by fingerprint only).
    init(observedFrom table: NFTTable) {
        self = table
        for name in chains.keys { chains[name]!.rules = chains[name]!.rules.map { NFTRule(observedComment: $0.storedComment, handle: 0) } }
    }
}
