import BerthCore

/// The agent's container decisions as a pure function: what the server assigns to this agent's
/// nodes against what the drivers run, to the actions that make them agree. Same input, same
/// plan; it is never told what changed, and it reads no clock (restart backoff and replacement
/// are the server's).
///
/// - wanted (desired `running`, not ended) and not running: start it if the server says
///   `scheduled`; if the server believes it `starting` or `running`, it died while the agent was
///   away: report it `failed` so the service replaces it.
/// - running but no longer wanted: stop it, and report `exited` unless the server already
///   counts it ended (a `lost` container is reported, so its record says how it ended).
/// - running and assigned to no node of this agent (deleted, moved while the agent was away):
///   stop it without a report.
/// - adopted and still wanted: confirm it.
public enum ContainerPlanner {
    public static func plan(assigned: [String: Container], running: [String: ObservedContainer], agentNodes: Set<String>) -> [ContainerAction] {
        var actions: [ContainerAction] = []
        for container in assigned.values.sorted(by: { ($0.createIndex, $0.id) < ($1.createIndex, $1.id) }) {
            guard let node = container.node, agentNodes.contains(node) else { continue }
            let wanted = container.desiredState == .running && !container.state.isTerminal
            let observed = running[container.id]
            switch (wanted, observed) {
            case (true, nil):
                if container.state == .scheduled {
                    actions.append(.start(container, node: node))
                } else if container.state == .starting || container.state == .running {
                    actions.append(.report(id: container.id, StatusReport(state: .failed, reason: "not running on \(node) after an agent restart")))
                }
            case (true, let observed?):
                if observed.adopted { actions.append(.confirm(id: container.id, node: observed.node)) }
            case (false, let observed?):
                let ended = container.state.isTerminal && container.state != .lost
                actions.append(.stop(id: container.id, node: observed.node, report: ended ? nil : container.reason ?? "stopped"))
            case (false, nil):
                break
            }
        }
        for (id, observed) in running.sorted(by: { $0.key < $1.key }) {
            let ours = assigned[id].flatMap(\.node).map(agentNodes.contains) ?? false
            if !ours { actions.append(.stop(id: id, node: observed.node, report: nil)) }
        }
        return actions
    }

    /// What to tell the server of containers that ended on their own.
    public static func reports(for exits: [DriverExit]) -> [(id: String, report: StatusReport)] {
        exits.map { exit in
            let failed = exit.failed ?? (exit.exitCode == nil && exit.reason?.hasPrefix("exited") != true)
            return (exit.id, StatusReport(
                state: failed ? .failed : .exited, exitCode: exit.exitCode.map(Int.init),
                reason: exit.reason ?? "exited with code \(exit.exitCode ?? 0)"
            ))
        }
    }
}
