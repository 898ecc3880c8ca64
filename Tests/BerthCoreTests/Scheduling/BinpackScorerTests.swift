@testable import BerthCore
import Testing

@Suite struct BinpackScorerTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var capacity: Resources
        var allocated: Resources
        var request: Resources
        var expected: Double
        var testDescription: String { "\(request) onto \(allocated)/\(capacity) -> \(expected)" }
    }

    static let cases: [Case] = [
        Case(capacity: .init(cpu: 4000, memory: 8192), allocated: .zero, request: .init(cpu: 400, memory: 0), expected: 0.1),
        Case(capacity: .init(cpu: 4000, memory: 8192), allocated: .init(cpu: 3000, memory: 0), request: .init(cpu: 500, memory: 0), expected: 0.875),
        // The larger of cpu and memory use counts.
        Case(capacity: .init(cpu: 4000, memory: 8192), allocated: .init(cpu: 400, memory: 4096), request: .init(cpu: 0, memory: 2048), expected: 0.75),
        Case(capacity: .init(cpu: 4000, memory: 8192), allocated: .init(cpu: 4000, memory: 8192), request: .zero, expected: 1),
        // Capped at 1, even for an overcommitted node.
        Case(capacity: .init(cpu: 1000, memory: 1000), allocated: .init(cpu: 2000, memory: 0), request: .init(cpu: 100, memory: 0), expected: 1),
        // A node without capacity counts as full.
        Case(capacity: .init(cpu: 0, memory: 0), allocated: .zero, request: .zero, expected: 1),
    ]

    @Test(arguments: cases)
    func utilisationAfterPlacing(_ c: Case) {
        let node = SchedFixture.node("n1", cpu: c.capacity.cpu, memory: c.capacity.memory, allocated: c.allocated)
        let request = SchedFixture.request("c1", cpu: c.request.cpu, memory: c.request.memory)
        let score = BinpackScorer().score(request, on: node, context: ScoringContext())
        #expect(abs(score - c.expected) < 1e-9)
        #expect((0...1).contains(score))
    }

    @Test func mostAllocatedFirst() {
        let request = SchedFixture.request("c1", cpu: 100, memory: 64)
        let nodes = [0, 2500, 1000, 3500].enumerated().map { i, cpu in
            SchedFixture.node("n\(i)", allocated: .init(cpu: cpu, memory: 0))
        }
        let ranked = nodes.sorted {
            BinpackScorer().score(request, on: $0, context: ScoringContext()) > BinpackScorer().score(request, on: $1, context: ScoringContext())
        }
        #expect(ranked.map(\.name) == ["n3", "n1", "n2", "n0"])
    }
}
