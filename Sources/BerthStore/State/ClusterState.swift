import BerthCore
import Foundation
import GRDB
import Synchronization

/// The in-memory cluster the controllers decide on, kept current from committed changes.
///
/// Built once from the store on first use; afterwards every publication of the change hub (a
/// commit, after it is durable) marks the containers, nodes and services it changed, and
/// `catchUp` reads exactly those rows back — by key, in one read — and applies them to the
/// `ClusterModel`. No pass re-reads the cluster, so a pass costs what changed since the last
/// one. The store stays the truth: memory follows commits and never leads, and every plan made
/// from it is re-checked by the transaction that applies it.
public final class ClusterState: Sendable {
    /// Keys changed by commits but not yet read back.
    private struct Dirty {
        var containers: Set<String> = []
        var nodes: Set<String> = []
        var services: Set<String> = []
        var jobs: Set<String> = []
        /// The last publication marked: every commit up to it has its keys here (publications
        /// arrive in index order, from the one writer).
        var through: UInt64 = 0
        var isEmpty: Bool { containers.isEmpty && nodes.isEmpty && services.isEmpty && jobs.isEmpty }
    }

    /// What catching up has cost, for the tests that prove a pass costs what changed.
    public struct Work: Sendable, Equatable {
        /// Full builds from the store (one at start).
        public var loads = 0
        /// Rows read back after commits (containers, nodes and services).
        public var rowsRead = 0
    }

    public let store: Store
    private let model = Mutex<ClusterModel?>(nil)
    private let dirty = Mutex(Dirty())
    private let work = Mutex(Work())
    private let gate = SerialGate()
    /// Changed containers beyond which (and beyond half the cluster) a catch-up reads the
    /// whole cluster instead of by key.
    let wholeReadThreshold: Int
    /// The change index the model reflects at least.
    private let applied = Atomic<UInt64>(0)

    public init(store: Store, wholeReadThreshold: Int = 50_000) {
        self.store = store
        self.wholeReadThreshold = wholeReadThreshold
        store.hub.observe { [weak self] publication in self?.mark(publication) }
    }

    private func mark(_ publication: ChangeHub.Publication) {
        dirty.withLock { dirty in
            dirty.through = max(dirty.through, publication.index)
            for key in publication.changes {
                switch key.kind {
                case .container: dirty.containers.insert(key.name)
                case .node: dirty.nodes.insert(key.name)
                case .service: dirty.services.insert(key.name)
                case .job: dirty.jobs.insert(key.name)
                default: break
                }
            }
        }
    }

    /// The work done so far.
    public var workDone: Work { work.withLock { $0 } }

    /// The index the model reflects (every commit up to it is applied).
    public var index: UInt64 { applied.load(ordering: .acquiring) }

    /// Applies every commit published so far; the first call builds the model from the store.
    public func catchUp() async throws {
        try await gate.run { try await self.refresh() }
    }

    /// Reads the model (after `catchUp`, for a view that includes the latest commits).
    public func read<T>(_ body: (ClusterModel) throws -> T) rethrows -> T {
        try model.withLock { model in try body(model ?? ClusterModel()) }
    }

    /// Takes the pending containers new or changed since the last take (all of them after the
    /// model is built or read whole): what the scheduler has not planned as they are.
    public func takeFreshPending() -> Set<String> {
        model.withLock { model in model?.takeFreshPending() ?? [] }
    }

    /// Takes the services whose plan may have changed since the last take.
    public func takeTouchedServices() -> Set<String> {
        model.withLock { model in model?.takeTouchedServices() ?? [] }
    }

    /// Takes the jobs whose plan may have changed since the last take: the job changed, or one
    /// of its containers did.
    public func takeTouchedJobs() -> Set<String> {
        model.withLock { model in model?.takeTouchedJobs() ?? [] }
    }

    private func refresh() async throws {
        // Keys taken before a read are covered by it; a key published after the take stays
        // dirty and is read again next time (reading a row twice is harmless, missing one is not).
        let keys = dirty.withLock { dirty in
            defer { dirty = Dirty(through: dirty.through) }
            return dirty
        }
        // The first catch-up builds the model; a batch touching much of the cluster (a placement
        // pass of everything) is cheaper to read whole than key by key.
        let known = model.withLock { $0?.containers.count }
        if known.map({ keys.containers.count > max(wholeReadThreshold, $0 / 2) }) ?? true {
            let fresh = try await store.readDatabase { db in try ClusterModel.load(db) }
            model.withLock { model in
                var value = fresh.value
                if let old = model {
                    // The services the batch touched, as applying it key by key would have
                    // noted them; and what the service controller has not taken yet.
                    var touched = old.touchedServices.union(keys.services)
                    for id in keys.containers {
                        if let service = old.containers[id]?.view.service { touched.insert(service) }
                        if let service = value.containers[id]?.view.service { touched.insert(service) }
                    }
                    for name in keys.nodes { value.touchServices(near: name) }
                    value.touchedServices.formUnion(touched)
                    var jobs = old.touchedJobs.union(keys.jobs)
                    for id in keys.containers {
                        if let job = old.containers[id]?.view.job { jobs.insert(job) }
                        if let job = value.containers[id]?.view.job { jobs.insert(job) }
                    }
                    value.touchedJobs.formUnion(jobs)
                    // Every pending container of the new model is fresh, as built: a pass
                    // after a whole read plans them all.
                    value.capacityEpoch = old.capacityEpoch &+ 1  // anything may have moved
                }
                value.freshenNodeTable()
                model = value
            }
            work.withLock { $0.loads += 1 }
            applied.store(fresh.index, ordering: .releasing)
            return
        }
        guard !keys.isEmpty else {
            applied.store(max(index, keys.through), ordering: .releasing)
            return
        }
        let rows = try await store.readDatabase { db in
            (
                containers: try StateRows.containers(db, ids: Array(keys.containers)),
                nodes: try StateRows.nodes(db, names: Array(keys.nodes)),
                services: try StateRows.services(db, names: Array(keys.services)),
                jobs: try StateRows.jobs(db, names: Array(keys.jobs))
            )
        }
        withModel { current in
            let containers = Dictionary(rows.value.containers.map { ($0.view.id, $0) }, uniquingKeysWith: { a, _ in a })
            for id in keys.containers {
                if let row = containers[id] { current.put(row) } else { current.removeContainer(id) }
            }
            let nodes = Dictionary(rows.value.nodes.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for name in keys.nodes {
                if let row = nodes[name] { current.put(row) } else { current.removeNode(name) }
            }
            let services = Dictionary(rows.value.services.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for name in keys.services {
                if let view = services[name] { current.put(view) } else { current.removeService(name) }
            }
            let jobs = Dictionary(rows.value.jobs.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            for name in keys.jobs {
                if let job = jobs[name] { current.put(job) } else { current.removeJob(name) }
            }
            current.freshenNodeTable()
        }
        work.withLock { $0.rowsRead += rows.value.containers.count + rows.value.nodes.count + rows.value.services.count + rows.value.jobs.count }
        // Every commit published by the take is applied (its rows read at `rows.index` or later);
        // one that committed before the read but was published after the take is not, yet.
        applied.store(max(index, keys.through), ordering: .releasing)
    }
}

extension ClusterModel {
    /// The whole model, built from the store in one read.
    static func load(_ db: Database) throws -> ClusterModel {
        var model = ClusterModel()
        for node in try StateRows.nodes(db, names: nil) { model.put(node) }
        for service in try StateRows.services(db, names: nil) { model.put(service) }
        for job in try StateRows.jobs(db, names: nil) { model.put(job) }
        for row in try StateRows.allContainers(db) { model.put(row) }
        model.touchedServices = []
        model.touchedJobs = []
        return model
    }
}

extension ClusterState {
    /// What node lifecycle looks at: the ready nodes silent since `cutoff` or earlier (from the
    /// heartbeat heap, not a scan), the nodes not ready and the draining ones, with their
    /// containers; and the earliest heartbeat of a ready node not yet overdue, to wake at its
    /// deadline.
    public struct LifecycleView: Sendable {
        public var nodes: [NodeLifecycle.NodeHealth]
        public var snapshot: ClusterSnapshot
        public var earliestHeartbeat: Date?
    }

    public func lifecycleView(silentSince cutoff: Date) -> LifecycleView {
        let index = self.index
        return withModel { model in
            let overdue = model.heartbeats.overdue(atOrBefore: cutoff, nodes: model.nodes)
            let names = Set(overdue.nodes).union(model.notReady).union(model.draining).sorted()
            let health = names.compactMap { name in
                model.nodes[name].map { NodeLifecycle.NodeHealth(name: name, status: $0.status, availability: $0.availability, lastHeartbeat: $0.lastHeartbeat) }
            }
            return LifecycleView(
                nodes: health, snapshot: model.snapshot(containersOn: names, index: index),
                earliestHeartbeat: overdue.next
            )
        }
    }

    /// Runs `body` on the model itself, in place (applying rows, or a read that tidies an index
    /// as it goes); before the model is built, on an empty one that is not kept.
    private func withModel<T>(_ body: (inout ClusterModel) -> T) -> T {
        model.withLock { model in
            guard var current = model else {
                var empty = ClusterModel()  // not built yet: nothing to look at, nothing kept
                return body(&empty)
            }
            model = nil  // mutate in place, without a copy of every index
            defer { model = current }
            return body(&current)
        }
    }
}
