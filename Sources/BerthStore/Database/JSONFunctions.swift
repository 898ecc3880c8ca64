import BerthCore
import Foundation
import GRDB

/// The API's JSON renderers, made callable from SQL on every connection, so bulk writes (a
/// scheduling pass placing thousands of containers, a service deleted with all its replicas)
/// log events in one statement with exactly the JSON the API answers (`ContainerJSON`,
/// `Lease.jsonText`): one rendering, wherever it runs.
enum JSONFunctions {
    static func register(on db: Database) {
        db.add(function: container)
        db.add(function: lease)
    }

    /// `berth_container_json(<ContainerJSONSQL.arguments>)`.
    static let container = DatabaseFunction("berth_container_json", argumentCount: 20, pure: true) { values in
        func text(_ i: Int) -> String? { String.fromDatabaseValue(values[i]) }
        func int(_ i: Int) -> Int? { Int.fromDatabaseValue(values[i]) }
        func date(_ i: Int) -> Date? { Double.fromDatabaseValue(values[i]).map(Date.init(timeIntervalSince1970:)) }
        let (constraints, preferences) = ContainerJSONSQL.rules(text(13))
        let fields = ContainerJSON.Fields(
            id: text(0) ?? "", name: text(1), service: text(2), node: text(3), ip: text(4), state: text(5) ?? "",
            desiredState: text(6) ?? "", reason: text(7), exitCode: int(8), healthy: int(9).map { $0 != 0 },
            hostPortsJSON: text(10) ?? "{}", labelsJSON: text(11) ?? "{}", templateJSON: text(12) ?? "{}",
            constraints: constraints, preferences: preferences, attempt: int(14) ?? 0, startedAt: date(15), finishedAt: date(16),
            createIndex: UInt64(int(17) ?? 0), modifyIndex: UInt64(int(18) ?? 0)
        )
        _ = values[19]  // reserved: keeps the argument list stable when a field is added at the end
        guard let json = ContainerJSON.render(fields) else {
            throw DatabaseError(message: "container \(fields.id): its stored template is not a JSON object")
        }
        return json
    }

    /// `berth_lease_json(network, ip, owner_kind, owner, node, create_index)`.
    static let lease = DatabaseFunction("berth_lease_json", argumentCount: 6, pure: true) { values in
        Lease.render(
            network: String.fromDatabaseValue(values[0]) ?? "", ip: String.fromDatabaseValue(values[1]) ?? "",
            ownerKind: String.fromDatabaseValue(values[2]) ?? "", owner: String.fromDatabaseValue(values[3]) ?? "",
            node: String.fromDatabaseValue(values[4]), createIndex: UInt64(Int64.fromDatabaseValue(values[5]) ?? 0)
        )
    }
}

/// The SQL that calls `berth_container_json` for a row of `containers`.
enum ContainerJSONSQL {
    /// The call for the row aliased `alias`, its standalone constraints gathered by a subquery
    /// (hard flag, weight and expression, separated by control characters no rule contains).
    static func document(_ alias: String) -> String {
        let c = alias
        return """
            berth_container_json(\(c).id, \(c).name, \(c).service, \(c).node, \(c).ip, \(c).state, \(c).desired_state, \(c).reason, \
            \(c).exit_code, \(c).healthy, \(c).host_ports, \(c).labels, \(c).template, \
            (SELECT group_concat(r.hard || char(31) || r.weight || char(31) || r.expression, char(30)) FROM \
             (SELECT hard, weight, expression FROM constraints WHERE owner_kind = 'container' AND owner = \(c).id \
              ORDER BY hard DESC, position) r), \
            \(c).attempt, \(c).started_at, \(c).finished_at, \(c).create_index, \(c).modify_index, NULL)
            """
    }

    /// Reads the rules subquery's text back into constraints and preferences, in order.
    static func rules(_ text: String?) -> ([String], [(constraint: String, weight: Int)]) {
        guard let text, !text.isEmpty else { return ([], []) }
        var hard: [String] = []
        var soft: [(constraint: String, weight: Int)] = []
        for record in text.split(separator: "\u{1E}", omittingEmptySubsequences: false) {
            let parts = record.split(separator: "\u{1F}", maxSplits: 2, omittingEmptySubsequences: false)
            guard parts.count == 3 else { continue }
            if parts[0] == "1" {
                hard.append(String(parts[2]))
            } else {
                soft.append((String(parts[2]), Int(parts[1]) ?? 1))
            }
        }
        return (hard, soft)
    }
}
