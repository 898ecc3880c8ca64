/// A hand-written scanner for the constraint language; small enough that a grammar library
/// would cost more than it saves, and it lets every error say exactly what was expected.
///
///     constraint := attribute ws* ( ("==" | "!=") ws* value
///                                 | ws+ ("in" | "notin") ws* "(" value ("," value)* ")"
///                                 | ws+ ("exists" | "!exists") )
///     attribute  := "node.name" | "node.address" | "node.labels." label-key
struct ConstraintParser {
    private let text: String
    private let chars: [Character]
    private var pos = 0

    init(_ text: String) {
        self.text = text
        self.chars = Array(text)
    }

    mutating func parse() throws(ConstraintSyntaxError) -> Constraint {
        guard text.utf8.count <= 256 else { throw fail("longer than 256 characters") }
        skipSpaces()
        let attribute = try parseAttribute()
        let hadSpace = skipSpaces()
        let op: Constraint.Operator
        if take("==") {
            op = .equal(try parseValue())
        } else if take("!=") {
            op = .notEqual(try parseValue())
        } else if take("!exists") {
            op = .notExists
        } else if hadSpace, let word = takeWord() {
            switch word {
            case "in": op = .isIn(try parseList())
            case "notin": op = .notIn(try parseList())
            case "exists": op = .exists
            default: throw fail("unknown operator \"\(word)\"; expected ==, !=, in, notin, exists or !exists")
            }
        } else {
            throw fail("expected ==, !=, in, notin, exists or !exists after the attribute")
        }
        skipSpaces()
        guard pos == chars.count else {
            throw fail("unexpected \"\(String(chars[pos...]).prefix(40))\" at the end")
        }
        return Constraint(attribute: attribute, op: op)
    }

    private mutating func parseAttribute() throws(ConstraintSyntaxError) -> Constraint.Attribute {
        let start = pos
        while pos < chars.count, isAttributeChar(chars[pos]) { pos += 1 }
        let word = String(chars[start..<pos])
        switch word {
        case "node.name": return .name
        case "node.address": return .address
        case _ where word.hasPrefix("node.labels."):
            let key = String(word.dropFirst("node.labels.".count))
            guard Rules.isLabelKey(key) else { throw fail("\"\(key)\" is not a valid label key") }
            return .label(key)
        case "":
            throw fail("expected an attribute: node.name, node.address or node.labels.KEY")
        default:
            throw fail("unknown attribute \"\(word)\"; expected node.name, node.address or node.labels.KEY")
        }
    }

    private mutating func parseValue() throws(ConstraintSyntaxError) -> String {
        skipSpaces()
        let start = pos
        while pos < chars.count, isValueChar(chars[pos]) { pos += 1 }
        guard pos > start else { throw fail("expected a value") }
        return String(chars[start..<pos])
    }

    private mutating func parseList() throws(ConstraintSyntaxError) -> [String] {
        skipSpaces()
        guard take("(") else { throw fail("expected \"(\" to open the list of values") }
        var values: [String] = []
        repeat {
            values.append(try parseValue())
            skipSpaces()
        } while take(",")
        guard take(")") else { throw fail("expected \",\" or \")\" in the list of values") }
        return values
    }

    @discardableResult
    private mutating func skipSpaces() -> Bool {
        let start = pos
        while pos < chars.count, chars[pos] == " " || chars[pos] == "\t" { pos += 1 }
        return pos > start
    }

    private mutating func take(_ literal: String) -> Bool {
        let lit = Array(literal)
        guard pos + lit.count <= chars.count, Array(chars[pos..<pos + lit.count]) == lit else { return false }
        pos += lit.count
        return true
    }

    private mutating func takeWord() -> String? {
        let start = pos
        while pos < chars.count, chars[pos].isLetter { pos += 1 }
        return pos > start ? String(chars[start..<pos]) : nil
    }

    private func isAttributeChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_")
    }

    private func isValueChar(_ c: Character) -> Bool {
        c.isASCII && (c.isLetter || c.isNumber || c == "." || c == "-" || c == "_" || c == ":" || c == "/")
    }

    private func fail(_ problem: String) -> ConstraintSyntaxError {
        ConstraintSyntaxError(expression: text, problem: problem)
    }
}
