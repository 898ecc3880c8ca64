import BerthCore
import GRDB

extension ClusterState {
    /// The dashboard's summary (see `StoreReader.summary`) from the kept model: the counts
    /// `ClusterCensus` keeps and a pass over the nodes and services, never over the containers,
    /// so it costs the same at 100,000 containers as at ten. It catches up first, so it holds
    /// every commit published before the call (a client's own writes included); `index` is one
    /// the model reflects at least. The listed pending containers' names are read by id.
    public func summary(limit: Int) async throws -> ClusterSummary {
        try await catchUp()
        let at = index
        var summary = read { model in model.summary(limit: limit) }
        summary.index = at
        let ids = summary.pending.items.map(\.id)
        guard !ids.isEmpty else { return summary }
        let names = try await store.readDatabase { db in
            let sql = "SELECT id, name FROM containers WHERE id IN (\(ids.map { _ in "?" }.joined(separator: ",")))"
            return try Row.fetchAll(db, sql: sql, arguments: StatementArguments(ids)).reduce(into: [String: String]()) { names, row in
                if let name: String = row["name"] { names[row["id"]] = name }
            }
        }.value
        for i in summary.pending.items.indices { summary.pending.items[i].name = names[summary.pending.items[i].id] }
        return summary
    }
}

extension ClusterModel {
    /// The summary's counts and lists, without the pending containers' names (the model keeps
    /// none) or the index. One pass over nodes and services, one over the pending queue.
    func summary(limit: Int) -> ClusterSummary {
        var summary = ClusterSummary()
        var down = 0, pause = 0, drain = 0
        for node in nodes.values {
            if node.status == .down { down += 1 }
            switch node.availability {
            case .pause: pause += 1
            case .drain: drain += 1
            case .active: break
            }
        }
        summary.nodes.total = nodes.count
        summary.nodes.byStatus = [NodeStatus.ready.rawValue: nodes.count - down, NodeStatus.down.rawValue: down]
        summary.nodes.byAvailability = [
            Availability.active.rawValue: nodes.count - pause - drain, Availability.pause.rawValue: pause, Availability.drain.rawValue: drain,
        ]
        for (state, n) in census.states {
            summary.containers.total += n
            summary.containers.byState[state.rawValue, default: 0] += n
        }
        var degraded: [ClusterSummary.DegradedService] = []
        for (name, service) in services {
            let tally = census.services[name] ?? ClusterCensus.Tally()
            let desired = service.spec.mode == .global ? tally.wanted : service.spec.replicas
            if tally.running < desired { degraded.append(.init(name: name, desired: desired, running: tally.running)) }
        }
        summary.services.total = services.count
        summary.services.degraded = degraded.count
        summary.services.healthy = services.count - degraded.count
        summary.services.degradedItems = Array(degraded.sorted { $0.name < $1.name }.prefix(limit))
        summary.pending.total = summary.containers.byState[ContainerState.pending.rawValue] ?? 0
        summary.pending.items = oldestPending(limit).map { view in
            ClusterSummary.PendingContainer(id: view.id, name: nil, service: view.service, reason: view.reason, createIndex: view.createIndex)
        }
        return summary
    }

    /// The `limit` oldest containers of the pending queue, by (createIndex, id), in one pass:
    /// a kept list of the best so far, which most candidates fail to enter on one comparison.
    private func oldestPending(_ limit: Int) -> [ContainerView] {
        guard limit > 0 else { return [] }
        func before(_ a: ContainerView, _ b: ContainerView) -> Bool {
            a.createIndex != b.createIndex ? a.createIndex < b.createIndex : a.id < b.id
        }
        var kept: [ContainerView] = []
        kept.reserveCapacity(limit + 1)
        for id in pending {
            guard let view = containers[id]?.view else { continue }
            if kept.count == limit, let last = kept.last, !before(view, last) { continue }
            let at = kept.firstIndex { before(view, $0) } ?? kept.endIndex
            kept.insert(view, at: at)
            if kept.count > limit { kept.removeLast() }
        }
        return kept
    }
}
