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

    /// `berth_container_json(<ContainerJSONSQL.document>)`.
    static let container = DatabaseFunction("berth_container_json", argumentCount: 20, pure: true) { values in
        try renderContainer(values)
    }

    /// `berth_lease_json(network, ip, owner_kind, owner, node, create_index)`.
    static let lease = DatabaseFunction("berth_lease_json", argumentCount: 6, pure: true) { values in
        Lease.render(
            network: text(values[0]) ?? "", ip: text(values[1]) ?? "", ownerKind: text(values[2]) ?? "", owner: text(values[3]) ?? "",
            node: text(values[4]), createIndex: UInt64(clamping: integer(values[5]) ?? 0)
        )
    }

    private static func renderContainer(_ values: [DatabaseValue]) throws -> String {
        let (constraints, preferences) = ContainerJSONSQL.rules(text(values[13]))
        let fields = ContainerJSON.Fields(
            id: text(values[0]) ?? "", name: text(values[1]), service: text(values[2]), node: text(values[3]), ip: text(values[4]),
            state: text(values[5]) ?? "", desiredState: text(values[6]) ?? "", reason: text(values[7]),
            exitCode: integer(values[8]).map { Int($0) }, healthy: integer(values[9]).map { $0 != 0 },
            hostPortsJSON: text(values[10]) ?? "{}", labelsJSON: text(values[11]) ?? "{}", templateJSON: text(values[12]) ?? "{}",
            constraints: constraints, preferences: preferences, attempt: integer(values[14]).map { Int($0) } ?? 0,
            startedAt: real(values[15]).map(Date.init(timeIntervalSince1970:)), finishedAt: real(values[16]).map(Date.init(timeIntervalSince1970:)),
            createIndex: UInt64(clamping: integer(values[17]) ?? 0), modifyIndex: UInt64(clamping: integer(values[18]) ?? 0)
        )
        // values[19] is reserved: it keeps the argument list stable when a field is added at the end.
        guard let json = ContainerJSON.render(fields) else {
            throw DatabaseError(message: "container \(fields.id): its stored template is not a JSON object")
        }
        return json
    }

    // Column values read by explicit matching, out of line: the inlined generic conversions
    // crashed the 6.3 optimizer (an ownership verifier error in CopyPropagation).
    @inline(never)
    static func text(_ value: DatabaseValue) -> String? {
        if case .string(let string) = value.storage { return string }
        return nil
    }

    @inline(never)
    static func integer(_ value: DatabaseValue) -> Int64? {
        switch value.storage {
        case .int64(let int): return int
        case .double(let double): return Int64(exactly: double)
        default: return nil
        }
    }

    @inline(never)
    static func real(_ value: DatabaseValue) -> Double? {
        switch value.storage {
        case .double(let double): return double
        case .int64(let int): return Double(int)
        default: return nil
        }
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
