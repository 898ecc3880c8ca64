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
    static let container = DatabaseFunction("berth_container_json", argumentCount: ContainerJSONSQL.Argument.allCases.count, pure: true) { values in
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
        typealias A = ContainerJSONSQL.Argument
        func value(_ argument: A) -> DatabaseValue { values[argument.rawValue] }
        let (constraints, preferences) = ContainerJSONSQL.rules(text(value(.rules)))
        let fields = ContainerJSON.Fields(
            id: text(value(.id)) ?? "", name: text(value(.name)), service: text(value(.service)), node: text(value(.node)),
            ip: text(value(.ip)), state: text(value(.state)) ?? "", desiredState: text(value(.desiredState)) ?? "",
            reason: text(value(.reason)), exitCode: integer(value(.exitCode)).map { Int($0) },
            healthy: integer(value(.healthy)).map { $0 != 0 }, hostPortsJSON: text(value(.hostPorts)) ?? "{}",
            labelsJSON: text(value(.labels)) ?? "{}", templateJSON: text(value(.template)) ?? "{}",
            constraints: constraints, preferences: preferences, attempt: integer(value(.attempt)).map { Int($0) } ?? 0,
            startedAt: real(value(.startedAt)).map(Date.init(timeIntervalSince1970:)),
            finishedAt: real(value(.finishedAt)).map(Date.init(timeIntervalSince1970:)),
            createIndex: UInt64(clamping: integer(value(.createIndex)) ?? 0), modifyIndex: UInt64(clamping: integer(value(.modifyIndex)) ?? 0),
            job: text(value(.job)), jobIndex: integer(value(.jobIndex)).map { Int($0) }
        )
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
    /// The arguments of `berth_container_json`, in order: each a column of the row (its name in
    /// snake_case), but `rules`, the row's standalone constraints gathered by a subquery (a JSON
    /// array of `StoredRule` objects, in order), and `reserved`, always NULL, which keeps the
    /// argument count when a field is added at the end.
    enum Argument: Int, RowColumns {
        case id, name, service, node, ip, state, desiredState, reason, exitCode, healthy, hostPorts, labels, template
        case rules, attempt, startedAt, finishedAt, createIndex, modifyIndex, job, jobIndex, reserved
    }

    /// The call for the row aliased `alias`.
    static func document(_ alias: String) -> String {
        alias == "c" ? rowC : call(alias)
    }

    /// The call for `c`, the alias every statement uses, made once.
    private static let rowC = call("c")

    private static func call(_ c: String) -> String {
        let columns = Argument.selection.split(separator: ", ")
        let arguments = Argument.allCases.map { argument -> String in
            switch argument {
            case .rules:
                """
                (SELECT json_group_array(json_object('hard', r.hard, 'weight', r.weight, 'expression', r.expression)) FROM \
                (SELECT hard, weight, expression FROM constraints WHERE owner_kind = 'container' AND owner = \(c).id \
                ORDER BY hard DESC, position) r)
                """
            case .reserved: "NULL"
            default: "\(c).\(columns[argument.rawValue])"
            }
        }
        return "berth_container_json(" + arguments.joined(separator: ", ") + ")"
    }

    /// One row of `constraints` as the rules subquery writes it.
    struct StoredRule: Decodable {
        var hard: Int
        var weight: Int
        var expression: String
    }

    /// Reads the rules subquery's JSON back into constraints and preferences, in order: plain
    /// text by `SimpleJSONReader`, anything else (an escape in an expression) by `JSONDecoder`.
    static func rules(_ text: String?) -> ([String], [(constraint: String, weight: Int)]) {
        guard let text, text != "[]" else { return ([], []) }
        let bytes = Array(text.utf8)
        let stored = plainRules(bytes) ?? (try? JSONDecoder().decode([StoredRule].self, from: Data(bytes))) ?? []
        var hard: [String] = []
        var soft: [(constraint: String, weight: Int)] = []
        for rule in stored {
            if rule.hard != 0 { hard.append(rule.expression) } else { soft.append((rule.expression, rule.weight)) }
        }
        return (hard, soft)
    }

    private static func plainRules(_ bytes: [UInt8]) -> [StoredRule]? {
        SimpleJSONReader.read(bytes) { reader -> [StoredRule]? in
            var rules: [StoredRule] = []
            let ok = reader.array { reader in
                var hard: Int?, weight: Int?, expression: String?
                let ok = reader.object { key, reader in
                    switch key {
                    case "hard": hard = reader.integer(); return hard != nil
                    case "weight": weight = reader.integer(); return weight != nil
                    case "expression": expression = reader.string(); return expression != nil
                    default: return false
                    }
                }
                guard ok, let hard, let weight, let expression else { return false }
                rules.append(StoredRule(hard: hard, weight: weight, expression: expression))
                return true
            }
            return ok ? rules : nil
        }
    }
}
