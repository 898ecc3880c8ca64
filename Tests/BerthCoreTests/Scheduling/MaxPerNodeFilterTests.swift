@testable import BerthCore
import Testing

@Suite struct MaxPerNodeFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var service: String?
        var maxPerNode: Int
        var perService: [String: Int]
        var reason: String?
        var testDescription: String { "\(service ?? "standalone") max \(maxPerNode) with \(perService) -> \(reason ?? "feasible")" }
    }

    static let cases: [Case] = [
        Case(service: "web", maxPerNode: 0, perService: ["web": 50], reason: nil),
        Case(service: "web", maxPerNode: 1, perService: [:], reason: nil),
        Case(service: "web", maxPerNode: 1, perService: ["web": 1], reason: "max 1 per node reached"),
        Case(service: "web", maxPerNode: 2, perService: ["web": 1], reason: nil),
        Case(service: "web", maxPerNode: 2, perService: ["web": 2], reason: "max 2 per node reached"),
        Case(service: "web", maxPerNode: 2, perService: ["web": 3], reason: "max 2 per node reached"),
        // Other services' containers do not count.
        Case(service: "web", maxPerNode: 1, perService: ["db": 5], reason: nil),
        // A standalone container has no service to count.
        Case(service: nil, maxPerNode: 1, perService: ["web": 5], reason: nil),
    ]

    @Test(arguments: cases)
    func limitsReplicasPerNode(_ c: Case) {
        let node = SchedFixture.node("n1", perService: c.perService)
        let request = SchedFixture.request("c1", service: c.service, maxPerNode: c.maxPerNode)
        #expect(MaxPerNodeFilter().reject(request, on: node) == c.reason)
    }
}
