import BerthCore
import GRDB

/// Placement rules as rows: hard constraints and weighted soft preferences of one owner.
enum ConstraintRepository {
    enum Owner: String {
        case service
        case container
    }

    static func replace(_ db: Database, owner: Owner, name: String, hard: [String], soft: [Preference]) throws {
        try delete(db, owner: owner, name: name)
        for (i, expression) in hard.enumerated() {
            try db.executeCached(
                sql: "INSERT INTO constraints (owner_kind, owner, hard, position, expression, weight) VALUES (?, ?, 1, ?, ?, 0)",
                arguments: [owner.rawValue, name, i, canonical(expression)]
            )
        }
        for (i, preference) in soft.enumerated() {
            try db.executeCached(
                sql: "INSERT INTO constraints (owner_kind, owner, hard, position, expression, weight) VALUES (?, ?, 0, ?, ?, ?)",
                arguments: [owner.rawValue, name, i, canonical(preference.constraint), preference.weight]
            )
        }
    }

    static func delete(_ db: Database, owner: Owner, name: String) throws {
        try db.executeCached(sql: "DELETE FROM constraints WHERE owner_kind = ? AND owner = ?", arguments: [owner.rawValue, name])
    }

    /// The rules of every owner of a kind (or of one owner), keyed by owner name.
    static func fetch(_ db: Database, owner: Owner, name: String? = nil) throws -> [String: (hard: [String], soft: [Preference])] {
        var sql = "SELECT owner, hard, expression, weight FROM constraints WHERE owner_kind = ?"
        var arguments: StatementArguments = [owner.rawValue]
        if let name {
            sql += " AND owner = ?"
            arguments += [name]
        }
        sql += " ORDER BY owner, hard DESC, position"
        var out: [String: (hard: [String], soft: [Preference])] = [:]
        for row in try db.rows(sql: sql, arguments: arguments) {
            let owner: String = row["owner"]
            if row["hard"] as Bool {
                out[owner, default: ([], [])].hard.append(row["expression"])
            } else {
                out[owner, default: ([], [])].soft.append(Preference(constraint: row["expression"], weight: row["weight"]))
            }
        }
        return out
    }

    /// Stores the parsed rule's canonical text, so `zone == a` and `zone==a` read back alike.
    private static func canonical(_ expression: String) throws -> String {
        do {
            return try Constraint.parse(expression).description
        } catch {
            throw BerthError.invalidArgument(field: "constraints", message: "invalid constraint \(error.description)")
        }
    }
}
