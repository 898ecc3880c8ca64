import Testing
@testable import BerthCore

@Suite struct ConstraintParserTests {
    static let valid: [(String, Constraint, String)] = [
        ("node.labels.zone==a", .init(attribute: .label("zone"), op: .equal("a")), "node.labels.zone==a"),
        ("node.labels.zone == a", .init(attribute: .label("zone"), op: .equal("a")), "node.labels.zone==a"),
        ("  node.labels.zone==a  ", .init(attribute: .label("zone"), op: .equal("a")), "node.labels.zone==a"),
        ("node.labels.zone\t==\ta", .init(attribute: .label("zone"), op: .equal("a")), "node.labels.zone==a"),
        ("node.labels.zone!=a", .init(attribute: .label("zone"), op: .notEqual("a")), "node.labels.zone!=a"),
        ("node.labels.zone != a", .init(attribute: .label("zone"), op: .notEqual("a")), "node.labels.zone!=a"),
        ("node.labels.zone in (a,b)", .init(attribute: .label("zone"), op: .isIn(["a", "b"])), "node.labels.zone in (a,b)"),
        ("node.labels.zone in ( a , b )", .init(attribute: .label("zone"), op: .isIn(["a", "b"])), "node.labels.zone in (a,b)"),
        ("node.labels.zone in(a)", .init(attribute: .label("zone"), op: .isIn(["a"])), "node.labels.zone in (a)"),
        ("node.labels.zone notin (a, b)", .init(attribute: .label("zone"), op: .notIn(["a", "b"])), "node.labels.zone notin (a,b)"),
        ("node.labels.zone notin (a,b,c)", .init(attribute: .label("zone"), op: .notIn(["a", "b", "c"])), "node.labels.zone notin (a,b,c)"),
        ("node.labels.gpu exists", .init(attribute: .label("gpu"), op: .exists), "node.labels.gpu exists"),
        ("node.labels.gpu   exists", .init(attribute: .label("gpu"), op: .exists), "node.labels.gpu exists"),
        ("node.labels.gpu !exists", .init(attribute: .label("gpu"), op: .notExists), "node.labels.gpu !exists"),
        ("node.labels.gpu!exists", .init(attribute: .label("gpu"), op: .notExists), "node.labels.gpu !exists"),
        ("node.name==n1", .init(attribute: .name, op: .equal("n1")), "node.name==n1"),
        ("node.name != n1", .init(attribute: .name, op: .notEqual("n1")), "node.name!=n1"),
        ("node.name notin (n1,n2)", .init(attribute: .name, op: .notIn(["n1", "n2"])), "node.name notin (n1,n2)"),
        ("node.address==10.0.0.1", .init(attribute: .address, op: .equal("10.0.0.1")), "node.address==10.0.0.1"),
        ("node.address in (fe80::1, 10.0.0.2)", .init(attribute: .address, op: .isIn(["fe80::1", "10.0.0.2"])), "node.address in (fe80::1,10.0.0.2)"),
        ("node.labels.topology.example.io==x", .init(attribute: .label("topology.example.io"), op: .equal("x")), "node.labels.topology.example.io==x"),
        ("node.labels.Disk_Type==ssd-1.0", .init(attribute: .label("Disk_Type"), op: .equal("ssd-1.0")), "node.labels.Disk_Type==ssd-1.0"),
        ("node.labels.path==a/b:c", .init(attribute: .label("path"), op: .equal("a/b:c")), "node.labels.path==a/b:c"),
    ]

    @Test(arguments: valid)
    func parsesValidForms(text: String, expected: Constraint, canonical: String) throws {
        let constraint = try Constraint.parse(text)
        #expect(constraint == expected)
        #expect(constraint.description == canonical)
    }

    @Test(arguments: valid)
    func canonicalTextRoundTrips(text: String, expected: Constraint, canonical: String) throws {
        let reparsed = try Constraint.parse(Constraint.parse(text).description)
        #expect(reparsed == expected)
        #expect(reparsed.description == canonical)
    }

    @Test func slashIsNotPartOfALabelKey() {
        // The key stops at "/", which is then trailing garbage rather than part of the key.
        let error = #expect(throws: ConstraintSyntaxError.self) {
            try Constraint.parse("node.labels.topology.example.io/zone==x")
        }
        #expect(error?.problem.contains("expected ==") == true)
    }

    static let malformed: [(String, String)] = [
        ("", "expected an attribute"),
        ("   ", "expected an attribute"),
        ("==a", "expected an attribute"),
        ("node.zone==a", "unknown attribute \"node.zone\""),
        ("zone==a", "unknown attribute \"zone\""),
        ("node.labels==a", "unknown attribute \"node.labels\""),
        ("node.labels.==a", "\"\" is not a valid label key"),
        ("node.labels.-zone==a", "\"-zone\" is not a valid label key"),
        ("node.labels.zone.==a", "\"zone.\" is not a valid label key"),
        ("node.labels.zone==", "expected a value"),
        ("node.labels.zone ==   ", "expected a value"),
        ("node.labels.zone!=", "expected a value"),
        ("node.labels.zone==é", "expected a value"),
        ("node.labels.zone in ()", "expected a value"),
        ("node.labels.zone in (a,)", "expected a value"),
        ("node.labels.zone in (a", "expected \",\" or \")\""),
        ("node.labels.zone in (a b)", "expected \",\" or \")\""),
        ("node.labels.zone in a", "expected \"(\""),
        ("node.labels.zone notin", "expected \"(\""),
        ("node.labels.zone", "expected ==, !=, in, notin, exists or !exists after the attribute"),
        ("node.labels.zone = a", "expected ==, !=, in, notin, exists or !exists after the attribute"),
        ("node.labels.zone=a", "expected ==, !=, in, notin, exists or !exists after the attribute"),
        ("node.labels.zone like a", "unknown operator \"like\""),
        ("node.labels.zone IN (a)", "unknown operator \"IN\""),
        ("node.labels.zone==a b", "unexpected \"b\" at the end"),
        ("node.labels.zone==a)", "unexpected \")\" at the end"),
        ("node.labels.gpu exists now", "unexpected \"now\" at the end"),
        ("node.labels.zone in (a,b) x", "unexpected \"x\" at the end"),
        ("node.name==a,b", "unexpected \",b\" at the end"),
    ]

    @Test(arguments: malformed)
    func rejectsMalformed(text: String, problem: String) {
        let error = #expect(throws: ConstraintSyntaxError.self) { try Constraint.parse(text) }
        #expect(error?.expression == text)
        #expect(error?.problem.contains(problem) == true, "problem was: \(error?.problem ?? "none")")
        #expect(error?.description.hasPrefix("\"\(text)\": ") == true)
    }

    @Test func lengthLimitIs256Bytes() throws {
        let prefix = "node.labels.zone=="
        let atLimit = prefix + String(repeating: "a", count: 256 - prefix.count)
        #expect(try Constraint.parse(atLimit) == Constraint(attribute: .label("zone"), op: .equal(String(repeating: "a", count: 238))))

        let tooLong = atLimit + "a"
        let error = #expect(throws: ConstraintSyntaxError.self) { try Constraint.parse(tooLong) }
        #expect(error?.problem == "longer than 256 characters")
        #expect(error?.expression == tooLong)
        // The quoted expression in the message is cut at 256 characters.
        #expect(error?.description == "\"\(atLimit)\": longer than 256 characters")
    }

    @Test func lengthLimitCountsBytesNotCharacters() {
        let text = "node.labels.zone==" + String(repeating: "é", count: 130)  // 18 + 260 bytes
        let error = #expect(throws: ConstraintSyntaxError.self) { try Constraint.parse(text) }
        #expect(error?.problem == "longer than 256 characters")
    }
}
