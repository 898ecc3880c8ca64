import BerthCore
import Foundation
import GRDB

/// Commits reconciler plans. Each step re-checks what the plan relied on — the container's
/// `modifyIndex` as the snapshot saw it, the service's template version, the node's status —
/// and skips what changed meanwhile; the next pass plans again from the new state.
public enum PlanApplier {
    public struct Outcome: Sendable, Equatable {
        public var created = 0
        public var stopped = 0
        public var removed = 0
        public var lost = 0
        public var nodesDown = 0
        public var skipped = 0

        public init() {}
    }

    public static func apply(_ tx: WriteTransaction, _ plan: ServicePlan, snapshot: ClusterSnapshot) throws -> Outcome {
        var outcome = Outcome()
        let versions = Dictionary(uniqueKeysWithValues: snapshot.services.map { ($0.name, $0.templateVersion) })
        var templates: [String: ContainerRepository.ReplicaTemplate?] = [:]
        for create in plan.creates {
            if templates[create.service] == nil {
                let current = try Row.fetchOne(tx.db, sql: "SELECT template_version FROM services WHERE name = ?", arguments: [create.service])
                let version: UInt64? = current?["template_version"]
                if let version, version == versions[create.service], let service = try ServiceRepository.fetch(tx.db, create.service) {
                    templates[create.service] = try ContainerRepository.ReplicaTemplate(service: service, version: version)
                } else {
                    templates[create.service] = .some(nil)  // deleted or changed since the snapshot
                }
            }
            guard let template = templates[create.service] ?? nil else { outcome.skipped += 1; continue }
            try ContainerRepository.createReplica(tx, template, pinnedNode: create.pinnedNode, attempt: create.attempt, reason: create.reason)
            outcome.created += 1
        }
        for id in plan.removes {
            guard try unchanged(tx.db, id, snapshot), let container = try ContainerRepository.fetch(tx.db, id) else { outcome.skipped += 1; continue }
            _ = try ContainerRepository.delete(tx, id: container.id)
            outcome.removed += 1
        }
        for stop in plan.stops {
            guard try unchanged(tx.db, stop.container, snapshot), var container = try ContainerRepository.fetch(tx.db, stop.container) else {
                outcome.skipped += 1
                continue
            }
            container.desiredState = .stopped
            container.reason = stop.reason
            try ContainerRepository.update(tx, container)
            outcome.stopped += 1
        }
        for (id, note) in plan.notes.sorted(by: { $0.key < $1.key }) {
            guard try unchanged(tx.db, id, snapshot), var container = try ContainerRepository.fetch(tx.db, id) else { continue }
            container.reason = note
            try ContainerRepository.update(tx, container)
        }
        return outcome
    }

    /// `now` is the clock reading the plan was made with (the write's own when nil); a node is
    /// only marked down if it is still silent by that clock.
    public static func apply(_ tx: WriteTransaction, _ plan: NodeLifecycle.Plan, snapshot: ClusterSnapshot, timeout: Duration,
                             now: Date? = nil) throws -> Outcome {
        var outcome = Outcome()
        let now = now ?? tx.now
        for name in plan.markDown {
            guard var node = try NodeRepository.fetch(tx.db, name), node.status == .ready,
                  (node.lastHeartbeat ?? .distantPast).addingTimeInterval(timeout.timeInterval) <= now
            else { outcome.skipped += 1; continue }
            node.status = .down
            node.modifyIndex = tx.index
            try NodeRecord(node).updateRow(tx.db)
            try tx.record(.node, name, .updated, node)
            outcome.nodesDown += 1
        }
        for (id, reason) in plan.lose.sorted(by: { $0.key < $1.key }) {
            guard var container = try ContainerRepository.fetch(tx.db, id), !container.state.isTerminal, let nodeName = container.node,
                  try NodeRepository.fetch(tx.db, nodeName)?.status == .down
            else { outcome.skipped += 1; continue }
            container.state = .lost
            container.desiredState = .stopped
            container.reason = reason
            container.finishedAt = tx.now
            container.healthy = nil
            try ContainerRepository.update(tx, container)
            outcome.lost += 1
        }
        for (id, reason) in plan.stop.sorted(by: { $0.key < $1.key }) {
            guard try unchanged(tx.db, id, snapshot), var container = try ContainerRepository.fetch(tx.db, id),
                  container.desiredState == .running
            else { outcome.skipped += 1; continue }
            container.desiredState = .stopped
            container.reason = reason
            try ContainerRepository.update(tx, container)
            outcome.stopped += 1
        }
        return outcome
    }

    private static func unchanged(_ db: Database, _ id: String, _ snapshot: ClusterSnapshot) throws -> Bool {
        let current = try db.value(UInt64.self, sql: "SELECT modify_index FROM containers WHERE id = ?", arguments: [id])
        return current != nil && current == snapshot.versions[id]
    }
}
