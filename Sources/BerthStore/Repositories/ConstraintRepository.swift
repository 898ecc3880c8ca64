import BerthCore
import GRDB

/// Placement rules as rows: hard constraints and weighted soft preferences of one owner.
enum ConstraintRepository {
    enum Owner: String {
        case service
        case container
    }

    /// The rules of one owner: hard constraints and weighted preferences, in order.
    typealias Rules = (hard: [Constraint], soft: [Preference])

    static func replace(_ db: Database, owner: Owner, name: String, hard: [Constraint], soft: [Preference]) throws {
        try delete(db, owner: owner, name: name)
        for (i, expression) in hard.enumerated() {
            try db.executeCached(
                sql: "INSERT INTO constraints (owner_kind, owner, hard, position, expression, weight) VALUES (?, ?, 1, ?, ?, 0)",
                arguments: [owner.rawValue, name, i, expression.description]
            )
        }
        for (i, preference) in soft.enumerated() {
            try db.executeCached(
                sql: "INSERT INTO constraints (owner_kind, owner, hard, position, expression, weight) VALUES (?, ?, 0, ?, ?, ?)",
                arguments: [owner.rawValue, name, i, preference.constraint.description, preference.weight]
            )
        }
    }

    static func delete(_ db: Database, owner: Owner, name: String) throws {
        try db.executeCached(sql: "DELETE FROM constraints WHERE owner_kind = ? AND owner = ?", arguments: [owner.rawValue, name])
    }

    /// The rules of every owner of a kind (or of one owner), keyed by owner name.
    static func fetch(_ db: Database, owner: Owner, name: String) throws -> [String: Rules] {
        try fetch(db, owner: owner, names: [name])
    }

    /// The rules of the owners named (nil: of every owner of the kind), keyed by owner name.
    static func fetch(_ db: Database, owner: Owner, names: [String]? = nil) throws -> [String: Rules] {
        var sql = "SELECT owner, hard, expression, weight FROM constraints WHERE owner_kind = ?"
        var arguments: StatementArguments = [owner.rawValue]
        if let names {
            guard !names.isEmpty else { return [:] }
            sql += " AND owner IN (\(names.map { _ in "?" }.joined(separator: ",")))"
            arguments += StatementArguments(names)
        }
        sql += " ORDER BY owner, hard DESC, position"
        var out: [String: Rules] = [:]
        for row in try db.rows(sql: sql, arguments: arguments) {
            let owner: String = row["owner"]
            let rule = try stored(row["expression"], owner: owner)
            if row["hard"] as Bool {
                out[owner, default: ([], [])].hard.append(rule)
            } else {
                out[owner, default: ([], [])].soft.append(Preference(constraint: rule, weight: row["weight"]))
            }
        }
        return out
    }

    /// A stored rule, parsed back. Rules are stored in their canonical text after parsing, so
    /// this fails only on a database changed by hand: loudly, never by dropping the rule.
    private static func stored(_ expression: String, owner: String) throws -> Constraint {
        do {
            return try Constraint.parse(expression)
        } catch {
            throw BerthStoreError.corrupt("constraint of \(owner) does not parse: \(error.description)")
        }
    }
}
