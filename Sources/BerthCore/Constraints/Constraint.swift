/// A placement rule over node attributes, in the language Swarm and Nomad users know:
/// `node.labels.zone==a`, `node.name!=n3`, `node.labels.zone in (a,b)`, `node.labels.gpu exists`.
///
/// Negative operators (`!=`, `notin`, `!exists`) match a node that lacks the label, as in
/// Nomad and Swarm, so "not on ssd" also admits nodes that never said what disk they have.
public struct Constraint: Sendable, Hashable, CustomStringConvertible {
    public enum Attribute: Sendable, Hashable {
        case name
        case address
        case label(String)
    }

    public enum Operator: Sendable, Hashable {
        case equal(String)
        case notEqual(String)
        case isIn([String])
        case notIn([String])
        case exists
        case notExists
    }

    public var attribute: Attribute
    public var op: Operator

    public init(attribute: Attribute, op: Operator) {
        self.attribute = attribute
        self.op = op
    }

    /// Parses one expression; the error quotes it and says what is wrong.
    public static func parse(_ text: String) throws(ConstraintSyntaxError) -> Constraint {
        var parser = ConstraintParser(text)
        return try parser.parse()
    }

    /// Whether a node with these attributes satisfies the rule.
    public func matches(name: String, address: String, labels: [String: String]) -> Bool {
        let value: String? = switch attribute {
        case .name: name
        case .address: address
        case .label(let key): labels[key]
        }
        switch op {
        case .equal(let expected): return value == expected
        case .notEqual(let expected): return value != expected
        case .isIn(let set): return value.map(set.contains) ?? false
        case .notIn(let set): return value.map { !set.contains($0) } ?? true
        case .exists: return value != nil
        case .notExists: return value == nil
        }
    }

    /// The canonical text of the rule, as stored and shown back.
    public var description: String {
        let lhs = switch attribute {
        case .name: "node.name"
        case .address: "node.address"
        case .label(let key): "node.labels.\(key)"
        }
        return switch op {
        case .equal(let v): "\(lhs)==\(v)"
        case .notEqual(let v): "\(lhs)!=\(v)"
        case .isIn(let vs): "\(lhs) in (\(vs.joined(separator: ",")))"
        case .notIn(let vs): "\(lhs) notin (\(vs.joined(separator: ",")))"
        case .exists: "\(lhs) exists"
        case .notExists: "\(lhs) !exists"
        }
    }
}

/// In JSON a constraint is its text, parsed as it is decoded: a request with a malformed rule is
/// a 400 naming the field, and no later reader parses (or silently drops) it again.
extension Constraint: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard text.utf8.count <= 1024 else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid constraint: longer than 1024 bytes")
        }
        do {
            self = try Constraint.parse(text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "invalid constraint \(error.description)")
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// A constraint written as a literal in code (tests, benchmarks, fixtures): a malformed literal
/// is a programming error, caught the first time the code runs.
extension Constraint: ExpressibleByStringLiteral {
    public init(stringLiteral text: String) {
        do {
            self = try Constraint.parse(text)
        } catch {
            preconditionFailure("constraint literal \(error)")
        }
    }
}

/// Why an expression did not parse, with the expression quoted.
public struct ConstraintSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    public let problem: String
    public var description: String { "\"\(expression.prefix(256))\": \(problem)" }
}
