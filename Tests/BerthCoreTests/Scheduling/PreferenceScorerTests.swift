@testable import BerthCore
import Testing

@Suite struct PreferenceScorerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var preferences: [Pref]
        var labels: [String: String]
        var expected: Double
        var testDescription: String { "\(preferences.map { "\($0.expression)x\($0.weight)" }) on \(labels) -> \(expected)" }
    }

    struct Pref: Sendable {
        var expression: String
        var weight: Int
    }

    static let cases: [Case] = [
        Case(preferences: [], labels: ["disk": "ssd"], expected: 0),
        Case(preferences: [Pref(expression: "node.labels.disk==ssd", weight: 1)], labels: ["disk": "ssd"], expected: 1),
        Case(preferences: [Pref(expression: "node.labels.disk==ssd", weight: 1)], labels: ["disk": "hdd"], expected: 0),
        Case(preferences: [Pref(expression: "node.labels.disk==ssd", weight: 3), Pref(expression: "node.labels.zone==a", weight: 1)],
             labels: ["disk": "ssd", "zone": "b"], expected: 0.75),
        Case(preferences: [Pref(expression: "node.labels.disk==ssd", weight: 3), Pref(expression: "node.labels.zone==a", weight: 1)],
             labels: ["zone": "a"], expected: 0.25),
        Case(preferences: [Pref(expression: "node.labels.disk==ssd", weight: 3), Pref(expression: "node.labels.zone==a", weight: 1)],
             labels: ["disk": "ssd", "zone": "a"], expected: 1),
        // Negative operators match nodes lacking the label.
        Case(preferences: [Pref(expression: "node.labels.spot!=true", weight: 2)], labels: [:], expected: 1),
        Case(preferences: [Pref(expression: "node.labels.spot !exists", weight: 2)], labels: ["spot": "true"], expected: 0),
    ]

    @Test(arguments: cases)
    func weightedShareOfMatchedPreferences(_ c: Case) {
        let request = SchedFixture.request("c1", preferences: c.preferences.map { ($0.expression, $0.weight) })
        let score = PreferenceScorer().score(request, on: SchedFixture.node("n1", labels: c.labels), context: ScoringContext())
        #expect(abs(score - c.expected) < 1e-9)
        #expect((0...1).contains(score))
    }
}
