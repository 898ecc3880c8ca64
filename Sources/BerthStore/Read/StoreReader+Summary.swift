import BerthCore
import GRDB

extension StoreReader {
    /// The cluster in counts (see `ClusterSummary`), with at most `limit` pending containers and
    /// degraded services listed: what a server without the loops' kept state answers (one that
    /// keeps it answers from memory, `ClusterState.summary`).
    ///
    /// A few statements, each a grouped aggregate or a bounded list: nodes by status
    /// and availability (a scan of the small node table), containers by state
    /// (`containers_by_state`, a covering index), running and wanted-running containers per
    /// service (one pass grouped by service), the services' modes and replicas, and the oldest
    /// pending containers (`containers_pending`).
    public func summary(limit: Int) throws -> ClusterSummary {
        var summary = ClusterSummary()
        summary.index = try index()
        for row in try db.rows(sql: "SELECT status, availability, COUNT(*) AS n FROM nodes GROUP BY status, availability") {
            let n: Int = row["n"]
            summary.nodes.total += n
            summary.nodes.byStatus[row["status"], default: 0] += n
            summary.nodes.byAvailability[row["availability"], default: 0] += n
        }
        for row in try db.rows(sql: "SELECT state, COUNT(*) AS n FROM containers GROUP BY state") {
            let n: Int = row["n"]
            summary.containers.total += n
            summary.containers.byState[row["state"], default: 0] += n
        }
        summary.services = try services(limit: limit)
        summary.pending.total = summary.containers.byState[ContainerState.pending.rawValue] ?? 0
        summary.pending.items = try db.rows(
            sql: """
                SELECT id, name, service, reason, create_index FROM containers
                WHERE state = 'pending' AND desired_state = 'running' ORDER BY create_index, id LIMIT ?
                """,
            arguments: [limit]
        ).map { row in
            ClusterSummary.PendingContainer(id: row["id"], name: row["name"], service: row["service"], reason: row["reason"], createIndex: row["create_index"])
        }
        return summary
    }

    /// Healthy and degraded services. A replicated service wants its `replicas`; a global one
    /// wants the containers the service controller keeps for it (one per eligible node, those
    /// whose desired state is running). Running is `runningReplicas`: containers in `running`.
    private func services(limit: Int) throws -> ClusterSummary.Services {
        var counts: [String: (running: Int, wanted: Int)] = [:]
        let sql = """
            SELECT service, SUM(state = 'running') AS running, SUM(desired_state = 'running') AS wanted
            FROM containers WHERE service IS NOT NULL GROUP BY service
            """
        for row in try db.rows(sql: sql) { counts[row["service"]] = (row["running"], row["wanted"]) }
        var services = ClusterSummary.Services()
        for row in try db.rows(sql: "SELECT name, mode, replicas FROM services ORDER BY name") {
            let name: String = row["name"]
            let count = counts[name] ?? (0, 0)
            let desired = (row["mode"] as String) == ServiceMode.global.rawValue ? count.wanted : row["replicas"]
            services.total += 1
            if count.running >= desired {
                services.healthy += 1
            } else {
                services.degraded += 1
                if services.degradedItems.count < limit {
                    services.degradedItems.append(.init(name: name, desired: desired, running: count.running))
                }
            }
        }
        return services
    }
}
