@testable import BerthCore
import Testing

@Suite struct SpreadByScorerTests {
    let scorer = SpreadByScorer()

    struct Case: Sendable, CustomTestStringConvertible {
        var zone: String?
        var counts: [String: Int]
        var expected: Double
        var testDescription: String { "zone \(zone ?? "-") with \(counts) -> \(expected)" }
    }

    static let cases: [Case] = [
        Case(zone: "b", counts: ["a": 2, "b": 0, "c": 1], expected: 1),
        Case(zone: "c", counts: ["a": 2, "b": 0, "c": 1], expected: 0.5),
        Case(zone: "a", counts: ["a": 2, "b": 0, "c": 1], expected: 0),
        // Even counts: every value is as good as any other.
        Case(zone: "a", counts: ["a": 3, "b": 3], expected: 1),
        // A node lacking the label counts under "".
        Case(zone: nil, counts: ["a": 4, "": 0], expected: 1),
        Case(zone: nil, counts: ["a": 0, "": 4], expected: 0),
    ]

    @Test(arguments: cases)
    func fewestAtTheValueScoresHighest(_ c: Case) {
        let node = SchedFixture.node("n1", labels: c.zone.map { ["zone": $0] } ?? [:])
        let request = SchedFixture.request("c1", spreadBy: ["node.labels.zone"])
        let score = scorer.score(request, on: node, context: ScoringContext(spreadCounts: [c.counts]))
        #expect(abs(score - c.expected) < 1e-9)
        #expect((0...1).contains(score))
    }

    @Test func noSpreadByScoresZero() {
        let score = scorer.score(SchedFixture.request("c1"), on: SchedFixture.node("n1"), context: ScoringContext(spreadCounts: [["a": 1]]))
        #expect(score == 0)
    }

    @Test func firstAttributeWeighsTenTimesTheNext() {
        let request = SchedFixture.request("c1", spreadBy: ["node.labels.zone", "node.labels.rack"])
        let context = ScoringContext(spreadCounts: [["a": 0, "b": 2], ["r1": 0, "r2": 2]])
        let goodZoneBadRack = SchedFixture.node("n1", labels: ["zone": "a", "rack": "r2"])
        let badZoneGoodRack = SchedFixture.node("n2", labels: ["zone": "b", "rack": "r1"])
        let best = SchedFixture.node("n3", labels: ["zone": "a", "rack": "r1"])
        let s1 = scorer.score(request, on: goodZoneBadRack, context: context)
        let s2 = scorer.score(request, on: badZoneGoodRack, context: context)
        let s3 = scorer.score(request, on: best, context: context)
        #expect(abs(s1 - 1 / 1.1) < 1e-9)
        #expect(abs(s2 - 0.1 / 1.1) < 1e-9)
        #expect(abs(s3 - 1) < 1e-9)
        #expect(s3 > s1 && s1 > s2)
    }
}
