import Testing
import BerthCore

@Suite struct ConstraintMatchTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var expression: String
        var labels: [String: String]
        var name = "n1"
        var address = "10.0.0.1"
        var matches: Bool
        var testDescription: String { "\(expression) on \(name) \(labels) -> \(matches)" }
    }

    static let cases: [Case] = [
        Case(expression: "node.labels.zone==a", labels: ["zone": "a"], matches: true),
        Case(expression: "node.labels.zone==a", labels: ["zone": "b"], matches: false),
        Case(expression: "node.labels.zone==a", labels: [:], matches: false),
        Case(expression: "node.labels.zone==a", labels: ["Zone": "a"], matches: false),
        Case(expression: "node.labels.zone!=a", labels: ["zone": "a"], matches: false),
        Case(expression: "node.labels.zone!=a", labels: ["zone": "b"], matches: true),
        Case(expression: "node.labels.zone!=a", labels: [:], matches: true),
        Case(expression: "node.labels.zone in (a,b)", labels: ["zone": "b"], matches: true),
        Case(expression: "node.labels.zone in (a,b)", labels: ["zone": "c"], matches: false),
        Case(expression: "node.labels.zone in (a,b)", labels: [:], matches: false),
        Case(expression: "node.labels.zone notin (a,b)", labels: ["zone": "a"], matches: false),
        Case(expression: "node.labels.zone notin (a,b)", labels: ["zone": "c"], matches: true),
        Case(expression: "node.labels.zone notin (a,b)", labels: [:], matches: true),
        Case(expression: "node.labels.gpu exists", labels: ["gpu": ""], matches: true),
        Case(expression: "node.labels.gpu exists", labels: ["gpu": "nvidia"], matches: true),
        Case(expression: "node.labels.gpu exists", labels: ["zone": "a"], matches: false),
        Case(expression: "node.labels.gpu !exists", labels: [:], matches: true),
        Case(expression: "node.labels.gpu !exists", labels: ["gpu": ""], matches: false),
        Case(expression: "node.name==n1", labels: [:], matches: true),
        Case(expression: "node.name==n1", labels: [:], name: "n2", matches: false),
        Case(expression: "node.name!=n1", labels: [:], name: "n2", matches: true),
        Case(expression: "node.name in (n2,n3)", labels: [:], name: "n3", matches: true),
        Case(expression: "node.name notin (n2,n3)", labels: [:], name: "n3", matches: false),
        Case(expression: "node.name exists", labels: [:], matches: true),
        Case(expression: "node.name !exists", labels: [:], matches: false),
        Case(expression: "node.address==10.0.0.1", labels: [:], matches: true),
        Case(expression: "node.address==10.0.0.1", labels: [:], address: "10.0.0.2", matches: false),
        // The node's name is not a label called "name".
        Case(expression: "node.labels.name==n1", labels: [:], matches: false),
    ]

    @Test(arguments: cases)
    func matches(_ c: Case) throws {
        let constraint = try Constraint.parse(c.expression)
        #expect(constraint.matches(name: c.name, address: c.address, labels: c.labels) == c.matches)
    }
}
