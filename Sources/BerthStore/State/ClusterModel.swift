import BerthCore
import Foundation

/// The cluster as the controllers decide on it, indexed in memory: nodes with what their live
/// containers hold, containers by service, node and state, the pending queue, the services.
///
/// A pure value: `ClusterState` fills it from the store at start and then applies the rows
/// each commit changed. Every index is kept by subtracting a row's old share and adding its
/// new one, so a change costs what it touches, and a model built from scratch compares equal
/// to one kept up to date (what `ClusterState.verify` checks).
public struct ClusterModel: Sendable {
    public private(set) var nodes: [String: NodeRow] = [:]
    /// Node names in order, kept sorted as nodes come and go: the scheduler's fixed order.
    private(set) var nodeOrder: [String] = []
    private(set) var usage: [String: NodeUsage] = [:]
    public private(set) var containers: [String: ContainerRow] = [:]
    private(set) var byService: [String: Set<String>] = [:]
    /// Containers that name a node, whatever their state.
    private(set) var byNode: [String: Set<String>] = [:]
    /// The container addresses held on each node's subnet: the scheduler's free lists start here
    /// (`AddressBook(held:asOf:)`) instead of reading every lease of the nodes it places on.
    public private(set) var addresses: [String: Set<UInt32>] = [:]
    /// Containers waiting for a node (`pending`, wanted running).
    public private(set) var pending: Set<String> = []
    /// Pending containers the scheduler has not seen as they are: new in the queue, or with
    /// changed resources, ports or rules since it last took them. With its held queue's due
    /// entries, all a pass must plan — it need not walk a queue of thousands it cannot place.
    var freshPending: Set<String> = []
    public private(set) var services: [String: ServiceView] = [:]
    /// Containers by state and per service, for the dashboard's summary.
    private(set) var census = ClusterCensus()
    /// Jobs' placement rules, for their pending containers.
    public private(set) var jobs: [String: JobPlacement] = [:]
    /// Containers by the job they run for.
    private(set) var byJob: [String: Set<String>] = [:]
    /// Nodes not `ready`, and nodes draining: with the overdue ones from `heartbeats`, all that
    /// node lifecycle looks at.
    private(set) var notReady: Set<String> = []
    private(set) var draining: Set<String> = []
    var heartbeats = HeartbeatDeadlines()
    /// The scheduler's nodes, kept by replacing the entries of changed nodes (`staleNodes`) when a
    /// catch-up ends (`freshenNodeTable`), and rebuilt when nodes come or go.
    private var table = NodeTable([])
    private var staleNodes: Set<String> = []
    private var tableRebuild = true
    /// Services whose plan may have changed since the service controller last took them.
    var touchedServices: Set<String> = []
    /// Jobs whose plan may have changed since the job controller last took them: the job or
    /// one of its containers changed.
    var touchedJobs: Set<String> = []
    /// Bumped by every change that can let a container fit where it did not: capacity, an
    /// address or a host port freed, a node added or changed, a service's placement changed.
    /// The scheduler retries the containers it could not place only once it moved.
    public internal(set) var capacityEpoch: UInt64 = 0

    public init() {}

    // MARK: - Applying rows

    mutating func put(_ row: ContainerRow) {
        let old = containers.updateValue(row, forKey: row.view.id)
        if let old {
            unindex(old)
            if old.holdsNode != nil, old.holdsNode != row.holdsNode || old.resources != row.resources { capacityEpoch &+= 1 }
        }
        index(row)
        if !row.isPending {
            freshPending.remove(row.view.id)
        } else if !(old.map { $0.isPending && $0.placesAs(row) } ?? false) {
            freshPending.insert(row.view.id)
        }
    }

    mutating func removeContainer(_ id: String) {
        freshPending.remove(id)
        if let old = containers.removeValue(forKey: id) {
            unindex(old)
            if old.holdsNode != nil { capacityEpoch &+= 1 }
        }
    }

    mutating func put(_ node: NodeRow) {
        let old = nodes.updateValue(node, forKey: node.name)
        if old == nil {
            insertOrdered(node.name)
            tableRebuild = true
        } else {
            staleNodes.insert(node.name)
        }
        if node.status == .ready { notReady.remove(node.name) } else { notReady.insert(node.name) }
        if node.availability == .drain { draining.insert(node.name) } else { draining.remove(node.name) }
        if old?.lastHeartbeat != node.lastHeartbeat || old?.status != node.status { heartbeats.note(node, among: nodes) }
        if old.map(node.differsForPlanning(from:)) ?? true {
            touchServices(near: node.name)
            capacityEpoch &+= 1
        }
    }

    mutating func removeNode(_ name: String) {
        guard nodes.removeValue(forKey: name) != nil else { return }
        tableRebuild = true
        notReady.remove(name)
        draining.remove(name)
        capacityEpoch &+= 1
        let at = position(of: name)
        if at < nodeOrder.count, nodeOrder[at] == name { nodeOrder.remove(at: at) }
        touchServices(near: name)
    }

    mutating func put(_ service: ServiceView) {
        let old = services.updateValue(service, forKey: service.name)
        touchedServices.insert(service.name)
        if let old, old.spec.constraints != service.spec.constraints || old.spec.placement != service.spec.placement
            || old.spec.template.resources != service.spec.template.resources || old.spec.template.staticHostPorts != service.spec.template.staticHostPorts {
            capacityEpoch &+= 1
        }
    }

    mutating func removeService(_ name: String) {
        services[name] = nil
        touchedServices.insert(name)
    }

    mutating func put(_ job: JobPlacement) {
        let old = jobs.updateValue(job, forKey: job.name)
        if let old, old != job { capacityEpoch &+= 1 }
        touchedJobs.insert(job.name)
    }

    mutating func removeJob(_ name: String) {
        jobs[name] = nil
        touchedJobs.insert(name)
    }

    private mutating func index(_ row: ContainerRow) {
        let id = row.view.id
        census.count(row.view, 1)
        if let service = row.view.service {
            byService[service, default: []].insert(id)
            touchedServices.insert(service)
        }
        if let job = row.view.job {
            byJob[job, default: []].insert(id)
            touchedJobs.insert(job)
        }
        if let node = row.view.node { byNode[node, default: []].insert(id) }
        if row.isPending { pending.insert(id) }
        if let node = row.holdsNode {
            usage[node, default: NodeUsage()].add(row)
            staleNodes.insert(node)
        }
        if let held = row.heldAddress { addresses[held.node, default: []].insert(held.address) }
    }

    private mutating func unindex(_ row: ContainerRow) {
        let id = row.view.id
        census.count(row.view, -1)
        if let service = row.view.service {
            Self.remove(id, from: service, in: &byService)
            touchedServices.insert(service)
        }
        if let job = row.view.job {
            Self.remove(id, from: job, in: &byJob)
            touchedJobs.insert(job)
        }
        if let node = row.view.node { Self.remove(id, from: node, in: &byNode) }
        pending.remove(id)
        if let node = row.holdsNode {
            staleNodes.insert(node)
            usage[node]?.remove(row)
            if usage[node]?.isEmpty == true { usage[node] = nil }
        }
        if let held = row.heldAddress { Self.remove(held.address, from: held.node, in: &addresses) }
    }

    /// Takes `member` out of `key`'s set, and the set out of the index once empty (so a model
    /// kept up to date compares equal to one built from scratch).
    private static func remove<Member: Hashable>(_ member: Member, from key: String, in index: inout [String: Set<Member>]) {
        index[key]?.remove(member)
        if index[key]?.isEmpty == true { index[key] = nil }
    }

    /// A node's change can change the plan of every service with a container there, and of
    /// every global service (which wants one container per eligible node).
    mutating func touchServices(near node: String) {
        for id in byNode[node] ?? [] {
            if let service = containers[id]?.view.service { touchedServices.insert(service) }
        }
        for service in services.values where service.spec.mode == .global { touchedServices.insert(service.name) }
    }

    /// Where `name` is, or belongs, in `nodeOrder` (a binary search).
    private func position(of name: String) -> Int {
        var low = 0
        var high = nodeOrder.count
        while low < high {
            let mid = (low + high) / 2
            if nodeOrder[mid] < name { low = mid + 1 } else { high = mid }
        }
        return low
    }

    private mutating func insertOrdered(_ name: String) {
        nodeOrder.insert(name, at: position(of: name))
    }

    /// Brings the node table up to date with the changes applied since the last call: a
    /// replaced entry per changed node, or a new table when nodes came or went.
    mutating func freshenNodeTable() {
        if tableRebuild {
            table = NodeTable(nodeStates())
            tableRebuild = false
        } else {
            for name in staleNodes {
                if let state = nodeState(name) { table.replace(state) }
            }
        }
        staleNodes = []
    }

    /// The nodes as the scheduler sees them, in name order, with their indexes: the kept table
    /// when it is up to date (after a catch-up), else one built now.
    public func nodeTable() -> NodeTable {
        tableRebuild || !staleNodes.isEmpty ? NodeTable(nodeStates()) : table
    }

    mutating func takeFreshPending() -> Set<String> {
        defer { freshPending = [] }
        return freshPending
    }

    mutating func takeTouchedServices() -> Set<String> {
        defer { touchedServices = [] }
        return touchedServices
    }

    mutating func takeTouchedJobs() -> Set<String> {
        defer { touchedJobs = [] }
        return touchedJobs
    }
}
