@testable import BerthCore
import Testing

@Suite struct SpreadScorerTests {
    let scorer = SpreadScorer()

    struct Case: Sendable, CustomTestStringConvertible {
        var count: Int
        var range: ClosedRange<Int>
        var allocatedCPU: Int
        var expected: Double
        var testDescription: String { "\(count) of web in \(range), \(allocatedCPU)m allocated -> \(expected)" }
    }

    // Node: 1000m / 1000 MiB; request 100m / 10 MiB. Score = 0.99 * spread + 0.01 * (1 - utilisation).
    static let cases: [Case] = [
        Case(count: 0, range: 0...0, allocatedCPU: 0, expected: 0.99 + 0.01 * 0.9),
        Case(count: 0, range: 0...2, allocatedCPU: 0, expected: 0.99 + 0.01 * 0.9),
        Case(count: 1, range: 0...2, allocatedCPU: 0, expected: 0.99 * 0.5 + 0.01 * 0.9),
        Case(count: 2, range: 0...2, allocatedCPU: 0, expected: 0.01 * 0.9),
        Case(count: 2, range: 0...2, allocatedCPU: 900, expected: 0),
        Case(count: 3, range: 3...3, allocatedCPU: 400, expected: 0.99 + 0.01 * 0.5),
    ]

    @Test(arguments: cases)
    func scoreFormula(_ c: Case) {
        let node = SchedFixture.node("n1", cpu: 1000, memory: 1000, allocated: .init(cpu: c.allocatedCPU, memory: 0), perService: ["web": c.count])
        let score = scorer.score(SchedFixture.request("c1", cpu: 100, memory: 10), on: node, context: ScoringContext(serviceCountRange: c.range))
        #expect(abs(score - c.expected) < 1e-9)
        #expect((0...1).contains(score))
    }

    @Test func fewerOfTheServiceFirstThenLeastAllocated() {
        let request = SchedFixture.request("c1", cpu: 100, memory: 10)
        let nodes = [
            SchedFixture.node("busy-empty", cpu: 1000, memory: 1000, allocated: .init(cpu: 850, memory: 0), perService: [:]),
            SchedFixture.node("idle-empty", cpu: 1000, memory: 1000, allocated: .zero, perService: ["other": 4]),
            SchedFixture.node("idle-one", cpu: 1000, memory: 1000, allocated: .zero, perService: ["web": 1]),
            SchedFixture.node("busy-two", cpu: 1000, memory: 1000, allocated: .init(cpu: 500, memory: 0), perService: ["web": 2]),
            SchedFixture.node("idle-two", cpu: 1000, memory: 1000, allocated: .zero, perService: ["web": 2]),
        ]
        let context = ScoringContext(serviceCountRange: 0...2)
        let ranked = nodes.sorted { scorer.score(request, on: $0, context: context) > scorer.score(request, on: $1, context: context) }
        #expect(ranked.map(\.name) == ["idle-empty", "busy-empty", "idle-one", "idle-two", "busy-two"])
        for node in nodes { #expect((0...1).contains(scorer.score(request, on: node, context: context))) }
    }

    @Test func standaloneContainersCountAllContainers() {
        let request = SchedFixture.request("c1", service: nil)
        let few = SchedFixture.node("few", perService: ["web": 9], containers: 1)
        let many = SchedFixture.node("many", containers: 5)
        let context = ScoringContext(serviceCountRange: 1...5)
        #expect(scorer.score(request, on: few, context: context) > scorer.score(request, on: many, context: context))
    }
}
