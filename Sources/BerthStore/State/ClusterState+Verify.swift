import BerthCore
import Foundation

extension ClusterState {
    /// Compares the live model with one built from the store at the same index: the check that
    /// the state kept from commits is the state the store holds. Returns the differences, as
    /// lines a person can read; empty when they agree. Retries while writes keep moving the
    /// index under it, and reports the last difference if they never stop.
    public func verify(attempts: Int = 5) async throws -> [String] {
        var problems: [String] = []
        for _ in 0..<max(1, attempts) {
            let before = store.hub.current
            try await catchUp()
            let fresh = try await store.readDatabase { db in (try ClusterModel.load(db), try StateRows.allocated(db)) }
            guard fresh.index == before, store.hub.current == before else {
                problems = ["the store moved on while checking (index \(before) → \(store.hub.current))"]
                continue
            }
            return read { model in
                // The capacity the triggers keep on each node row is the one the model sums.
                let allocated = fresh.value.1.compactMap { name, stored -> String? in
                    let held = model.usage[name]?.allocated ?? .zero
                    return held == stored ? nil : "allocated on node \(name): memory has \(held), the node row \(stored)"
                }
                return model.differences(from: fresh.value.0) + allocated.sorted()
            }
        }
        return problems
    }
}

extension ClusterModel {
    /// What differs between this model and `other` (the store's), index by index.
    func differences(from other: ClusterModel) -> [String] {
        var out: [String] = []
        func compare<V: Equatable>(_ what: String, _ mine: [String: V], _ theirs: [String: V]) {
            for key in Set(mine.keys).union(theirs.keys).sorted() where mine[key] != theirs[key] {
                let have = mine[key].map { "\($0)" } ?? "nothing"
                let want = theirs[key].map { "\($0)" } ?? "nothing"
                out.append("\(what) \(key): memory has \(have), the store \(want)")
                if out.count >= 20 { return }
            }
        }
        compare("node", nodes, other.nodes)
        compare("service", services, other.services)
        compare("container", containers, other.containers)
        compare("usage of node", usage, other.usage)
        compare("containers of service", byService, other.byService)
        compare("job", jobs, other.jobs)
        compare("containers of job", byJob, other.byJob)
        compare("containers on node", byNode, other.byNode)
        compare("addresses on node", addresses, other.addresses)
        compare("census of service", census.services, other.census.services)
        compare("containers in state", Dictionary(uniqueKeysWithValues: census.states.map { ($0.key.rawValue, $0.value) }),
                Dictionary(uniqueKeysWithValues: other.census.states.map { ($0.key.rawValue, $0.value) }))
        if pending != other.pending {
            out.append("pending: memory has \(pending.subtracting(other.pending).sorted()) the store lacks, lacks \(other.pending.subtracting(pending).sorted())")
        }
        if notReady != other.notReady { out.append("nodes not ready: memory \(notReady.sorted()), the store \(other.notReady.sorted())") }
        if draining != other.draining { out.append("nodes draining: memory \(draining.sorted()), the store \(other.draining.sorted())") }
        if nodeOrder != other.nodeOrder { out.append("node order: memory \(nodeOrder), the store \(other.nodeOrder)") }
        // The scheduler's kept table against the nodes it stands for.
        let kept = nodeTable().nodes
        for (mine, theirs) in zip(kept, other.nodeStates()) where mine != theirs {
            out.append("scheduler's table: node \(mine.name) is \(mine), the store's \(theirs)")
            if out.count >= 20 { break }
        }
        if kept.count != other.nodeStates().count { out.append("scheduler's table: \(kept.count) nodes, the store \(other.nodeStates().count)") }
        return out
    }
}
