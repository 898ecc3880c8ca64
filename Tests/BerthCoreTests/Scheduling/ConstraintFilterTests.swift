@testable import BerthCore
import Testing

@Suite struct ConstraintFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var constraints: [String]
        var labels: [String: String]
        var name = "n1"
        var reason: String?
        var testDescription: String { "\(constraints) on \(name) \(labels) -> \(reason ?? "feasible")" }
    }

    static let cases: [Case] = [
        Case(constraints: [], labels: [:], reason: nil),
        Case(constraints: ["node.labels.disk==ssd"], labels: ["disk": "ssd"], reason: nil),
        Case(constraints: ["node.labels.disk==ssd"], labels: ["disk": "hdd"], reason: "did not match node.labels.disk==ssd"),
        Case(constraints: ["node.labels.disk==ssd"], labels: [:], reason: "did not match node.labels.disk==ssd"),
        // Negative operators admit nodes lacking the label.
        Case(constraints: ["node.labels.disk!=ssd"], labels: [:], reason: nil),
        Case(constraints: ["node.labels.disk!=ssd"], labels: ["disk": "hdd"], reason: nil),
        Case(constraints: ["node.labels.disk!=ssd"], labels: ["disk": "ssd"], reason: "did not match node.labels.disk!=ssd"),
        Case(constraints: ["node.labels.zone notin (a,b)"], labels: [:], reason: nil),
        Case(constraints: ["node.labels.zone notin (a,b)"], labels: ["zone": "c"], reason: nil),
        Case(constraints: ["node.labels.zone notin (a,b)"], labels: ["zone": "b"], reason: "did not match node.labels.zone notin (a,b)"),
        Case(constraints: ["node.labels.gpu !exists"], labels: [:], reason: nil),
        Case(constraints: ["node.labels.gpu !exists"], labels: ["gpu": "a100"], reason: "did not match node.labels.gpu !exists"),
        Case(constraints: ["node.labels.gpu exists"], labels: [:], reason: "did not match node.labels.gpu exists"),
        Case(constraints: ["node.labels.zone in (a,b)"], labels: [:], reason: "did not match node.labels.zone in (a,b)"),
        Case(constraints: ["node.labels.zone in (a,b)"], labels: ["zone": "a"], reason: nil),
        Case(constraints: ["node.name==n2"], labels: [:], name: "n1", reason: "did not match node.name==n2"),
        Case(constraints: ["node.name!=n2"], labels: [:], name: "n1", reason: nil),
        // The first unmet constraint is the one named.
        Case(constraints: ["node.labels.zone==a", "node.labels.disk==ssd", "node.labels.gpu exists"], labels: ["zone": "a"],
             reason: "did not match node.labels.disk==ssd"),
        Case(constraints: ["node.labels.zone==a", "node.labels.disk==ssd"], labels: ["zone": "a", "disk": "ssd"], reason: nil),
    ]

    @Test(arguments: cases)
    func matchesHardConstraints(_ c: Case) {
        let node = SchedFixture.node(c.name, labels: c.labels)
        let request = SchedFixture.request("c1", constraints: c.constraints)
        #expect(ConstraintFilter().reject(request, on: node) == c.reason)
    }

    @Test func addressConstraintUsesNodeAddress() {
        let request = SchedFixture.request("c1", constraints: ["node.address==10.0.0.7"])
        #expect(ConstraintFilter().reject(request, on: SchedFixture.node("n1", address: "10.0.0.7")) == nil)
        #expect(ConstraintFilter().reject(request, on: SchedFixture.node("n1", address: "10.0.0.8"))
            == "did not match node.address==10.0.0.7")
    }
}
