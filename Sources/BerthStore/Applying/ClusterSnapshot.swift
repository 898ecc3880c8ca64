import BerthCore
import Foundation
import GRDB

/// One consistent view of the cluster for the reconcilers, read with lean queries (no JSON
/// decoding per container) so a pass over 100,000 containers stays well under a second.
public struct ClusterSnapshot: Sendable {
    public var nodes: [NodeState]
    public var health: [NodeLifecycle.NodeHealth]
    public var services: [ServiceView]
    /// Every container of a service, and every container on a node.
    public var containers: [ContainerView]
    /// modifyIndex per container id, so an apply can tell what changed since the read.
    public var versions: [String: UInt64]
    public var index: UInt64

    public static func read(_ db: Database) throws -> ClusterSnapshot {
        var perService: [String: [String: Int]] = [:]
        var counts: [String: Int] = [:]
        var ports: [String: Set<Int>] = [:]
        var containers: [ContainerView] = []
        var versions: [String: UInt64] = [:]
        typealias C = ContainerColumns
        let rows = try Row.fetchCursor(db, sql: """
            SELECT \(C.selection) FROM containers WHERE service IS NOT NULL OR node IS NOT NULL
            """)
        while let row = try rows.next() {
            let view = ContainerView(
                id: row[C.id], service: row[C.service], node: row[C.node], state: ContainerState(rawValue: row[C.state]) ?? .pending,
                desiredState: DesiredState(rawValue: row[C.desiredState]) ?? .running, healthy: row[C.healthy],
                exitCode: row[C.exitCode], reason: row[C.reason], createIndex: row[C.createIndex],
                templateVersion: row[C.templateVersion], attempt: row[C.attempt], pinnedNode: row[C.pinnedNode],
                startedAt: (row[C.startedAt] as Double?).map(Date.init(timeIntervalSince1970:)),
                finishedAt: (row[C.finishedAt] as Double?).map(Date.init(timeIntervalSince1970:))
            )
            versions[view.id] = row[C.modifyIndex]
            if let node = view.node, !view.state.isTerminal {
                counts[node, default: 0] += 1
                if let service = view.service { perService[node, default: [:]][service, default: 0] += 1 }
                if let list: String = row[C.staticPorts] {
                    ports[node, default: []].formUnion(list.split(separator: ",").compactMap { Int($0) })
                }
            }
            containers.append(view)
        }
        let (nodes, health) = try readNodes(db, perService: perService, counts: counts, ports: ports)
        let templateVersions = Dictionary(uniqueKeysWithValues: try db.rows(sql: "SELECT name, template_version FROM services")
            .map { ($0["name"] as String, $0["template_version"] as UInt64) })
        let services = try ServiceRepository.list(db).map {
            ServiceView(name: $0.name, spec: $0.spec, templateVersion: templateVersions[$0.name] ?? 0)
        }
        return ClusterSnapshot(
            nodes: nodes, health: health, services: services, containers: containers, versions: versions,
            index: try ChangeLog.current(db)
        )
    }

    /// What `read` selects of each container, by position.
    private enum ContainerColumns: Int, RowColumns {
        case id, service, node, state, desiredState, healthy, exitCode, reason, createIndex, modifyIndex
        case templateVersion, attempt, pinnedNode, startedAt, finishedAt, staticPorts
    }

    /// Whether any service, or any container of a service (a deleted one's included), exists:
    /// without one, the service controller has nothing to do.
    public static func hasServiceWork(_ db: Database) throws -> Bool {
        try db.value(Bool.self, sql: """
            SELECT EXISTS (SELECT 1 FROM services) OR EXISTS (SELECT 1 FROM containers WHERE service IS NOT NULL)
            """) ?? true
    }

    /// Only the nodes as the scheduler sees them, with per-node counts aggregated by SQLite
    /// rather than from every container row: what a scheduling pass needs, at a fraction of
    /// the cost of a full snapshot.
    public static func nodeStates(_ db: Database) throws -> [NodeState] {
        var perService: [String: [String: Int]] = [:]
        var counts: [String: Int] = [:]
        var ports: [String: Set<Int>] = [:]
        for row in try db.rows(sql: """
            SELECT node, service, COUNT(*) AS n FROM containers
            WHERE node IS NOT NULL AND state NOT IN ('exited', 'failed', 'lost') GROUP BY node, service
            """) {
            let node: String = row["node"]
            let n: Int = row["n"]
            counts[node, default: 0] += n
            if let service: String = row["service"] { perService[node, default: [:]][service] = n }
        }
        for row in try db.rows(sql: """
            SELECT node, static_ports FROM containers
            WHERE static_ports IS NOT NULL AND node IS NOT NULL AND state NOT IN ('exited', 'failed', 'lost')
            """) {
            ports[row["node"], default: []].formUnion((row["static_ports"] as String).split(separator: ",").compactMap { Int($0) })
        }
        return try readNodes(db, perService: perService, counts: counts, ports: ports).nodes
    }

    /// The nodes' health alone (no labels, no containers): what the node-lifecycle loop reads
    /// every second to learn whether there is anything to do.
    public static func nodeHealth(_ db: Database) throws -> [NodeLifecycle.NodeHealth] {
        try db.rows(sql: "SELECT name, status, availability, last_heartbeat FROM nodes ORDER BY name").map { row in
            NodeLifecycle.NodeHealth(
                name: row["name"], status: NodeStatus(rawValue: row["status"]) ?? .down,
                availability: Availability(rawValue: row["availability"]) ?? .active,
                lastHeartbeat: (row["last_heartbeat"] as Double?).map(Date.init(timeIntervalSince1970:))
            )
        }
    }

    /// Whether a container still runs on a down node, or a standalone one on a draining node:
    /// the work the node-lifecycle planner does besides marking nodes down.
    public static func anyContainerOnDownOrDrainingNode(_ db: Database) throws -> Bool {
        try db.value(Bool.self, sql: """
            SELECT EXISTS (
                SELECT 1 FROM containers c JOIN nodes n ON n.name = c.node
                WHERE c.state NOT IN ('exited', 'failed', 'lost')
                  AND (n.status = 'down' OR (n.availability = 'drain' AND c.service IS NULL AND c.desired_state = 'running'))
            )
            """) ?? false
    }

    private static func readNodes(
        _ db: Database, perService: [String: [String: Int]], counts: [String: Int], ports: [String: Set<Int>]
    ) throws -> (nodes: [NodeState], health: [NodeLifecycle.NodeHealth]) {
        var nodes: [NodeState] = []
        var health: [NodeLifecycle.NodeHealth] = []
        for row in try db.rows(sql: """
            SELECT name, address, labels, cpu, memory, allocated_cpu, allocated_memory, status, availability, subnet, last_heartbeat
            FROM nodes ORDER BY name
            """) {
            let name: String = row["name"]
            let status = NodeStatus(rawValue: row["status"]) ?? .down
            let availability = Availability(rawValue: row["availability"]) ?? .active
            nodes.append(NodeState(
                name: name, address: row["address"], labels: try JSONColumn.decodeStringMap(row["labels"]),
                capacity: Resources(cpu: row["cpu"], memory: row["memory"]),
                allocated: Resources(cpu: row["allocated_cpu"], memory: row["allocated_memory"]),
                status: status, availability: availability, perService: perService[name] ?? [:],
                usedHostPorts: ports[name] ?? [], containers: counts[name] ?? 0, hasSubnet: (row["subnet"] as String?) != nil
            ))
            health.append(.init(
                name: name, status: status, availability: availability,
                lastHeartbeat: (row["last_heartbeat"] as Double?).map(Date.init(timeIntervalSince1970:))
            ))
        }
        return (nodes, health)
    }
}
