import BerthCore
import Foundation

extension ClusterModel {
    /// The nodes as the scheduler sees them, in name order, with what their live containers hold.
    public func nodeStates() -> [NodeState] {
        nodeOrder.compactMap(nodeState)
    }

    /// The named nodes' states (those that exist), in name order.
    func nodeStates(named names: Set<String>) -> [NodeState] {
        names.sorted().compactMap(nodeState)
    }

    func nodeState(_ name: String) -> NodeState? {
        guard let node = nodes[name] else { return nil }
        let used = usage[name] ?? NodeUsage()
        return NodeState(
            name: name, address: node.address, labels: node.labels, capacity: node.capacity, allocated: used.allocated,
            status: node.status, availability: node.availability, perService: used.perService,
            usedHostPorts: used.ports.isEmpty ? [] : Set(used.ports.keys), containers: used.containers, hasSubnet: node.hasSubnet
        )
    }

    /// The pending queue, oldest first, as placement requests, with each container's current
    /// reason (so an unchanged reason is not written again); without the ones `held` names.
    public func pendingRequests(skipping held: (String) -> Bool = { _ in false }) -> PendingRequests {
        requests(for: pending.filter { !held($0) })
    }

    /// The same for the named containers only (those still pending): a pass that plans what
    /// changed, at a cost that follows it rather than the queue's length.
    public func pendingRequests(among ids: some Sequence<String>) -> PendingRequests {
        requests(for: ids.filter { pending.contains($0) })
    }

    public typealias PendingRequests = (requests: [PlacementRequest], reasons: [String: String])

    private func requests(for ids: some Sequence<String>) -> PendingRequests {
        let queue = ids.compactMap { containers[$0] }.sorted {
            $0.view.createIndex != $1.view.createIndex ? $0.view.createIndex < $1.view.createIndex : $0.view.id < $1.view.id
        }
        var reasons: [String: String] = [:]
        let requests = queue.map { row in
            if let reason = row.view.reason { reasons[row.view.id] = reason }
            return PlacementRequest(row, service: row.view.service.flatMap { services[$0] }, job: row.view.job.flatMap { jobs[$0] })
        }
        return (requests, reasons)
    }

    /// The services named (nil: all) with their containers — a deleted service's too, so its
    /// leftovers are cleaned up — and the nodes the plan can ask about: every node when a global
    /// service is planned (it wants one container per eligible node), else only the nodes those
    /// containers are on (to see which are draining or gone). What one service-controller pass
    /// plans from, at a cost that follows the services planned.
    public func snapshot(services names: Set<String>? = nil, index: UInt64) -> ClusterSnapshot {
        let wanted = names ?? Set(services.keys).union(byService.keys)
        var views: [ContainerView] = []
        var versions: [String: UInt64] = [:]
        var onNodes: Set<String> = []
        for name in wanted {
            for id in byService[name] ?? [] {
                guard let row = containers[id] else { continue }
                views.append(row.view)
                versions[id] = row.modifyIndex
                if let node = row.view.node { onNodes.insert(node) }
            }
        }
        let planned = wanted.compactMap { services[$0] }
        let everyNode = names == nil || planned.contains { $0.spec.mode == .global }
        return ClusterSnapshot(
            nodes: everyNode ? nodeStates() : nodeStates(named: onNodes), services: planned,
            containers: views, versions: versions, index: index
        )
    }

    /// Every container on the nodes named, with those nodes: what a node-lifecycle plan is
    /// applied against.
    public func snapshot(containersOn nodeNames: some Sequence<String>, index: UInt64) -> ClusterSnapshot {
        var views: [ContainerView] = []
        var versions: [String: UInt64] = [:]
        var named: Set<String> = []
        for node in nodeNames {
            named.insert(node)
            for id in byNode[node] ?? [] {
                guard let row = containers[id] else { continue }
                views.append(row.view)
                versions[id] = row.modifyIndex
            }
        }
        return ClusterSnapshot(nodes: nodeStates(named: named), services: [], containers: views, versions: versions, index: index)
    }
}

extension PlacementRequest {
    /// The request for one pending container: its own resources, ports and pin, and its
    /// service's or job's placement rules (or its own, for a standalone container).
    init(_ row: ContainerRow, service: ServiceView?, job: JobPlacement? = nil) {
        // Everything through the designated initializer: `spreadBy`'s observer, which parses
        // it, does not run for assignments inside an initializer.
        let placement = service?.spec.placement ?? job?.placement
        // A job's container adds its own preferences (a retry in place) to its job's.
        let preferences = service != nil ? placement?.preferences ?? [] : (job?.placement.preferences ?? []) + (row.rules?.soft ?? [])
        self.init(
            container: row.view.id, service: row.group, resources: row.resources,
            constraints: service?.spec.constraints ?? job?.constraints ?? row.rules?.hard ?? [],
            preferences: preferences.map { WeightedConstraint($0.constraint, weight: $0.weight) },
            strategy: placement?.strategy ?? .spread, spreadBy: placement?.spreadBy ?? [], maxPerNode: placement?.maxPerNode ?? 0,
            hostPorts: row.staticPorts, pinnedNode: row.view.pinnedNode
        )
    }
}
