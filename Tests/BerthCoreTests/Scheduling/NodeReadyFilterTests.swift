@testable import BerthCore
import Testing

@Suite struct NodeReadyFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var status: NodeStatus
        var availability: Availability
        var reason: String?
        var testDescription: String { "\(status)/\(availability) -> \(reason ?? "feasible")" }
    }

    static let cases: [Case] = [
        Case(status: .ready, availability: .active, reason: nil),
        Case(status: .ready, availability: .pause, reason: "node paused"),
        Case(status: .ready, availability: .drain, reason: "node draining"),
        Case(status: .down, availability: .active, reason: "node down"),
        // Down wins over availability: that is what the user must fix first.
        Case(status: .down, availability: .pause, reason: "node down"),
        Case(status: .down, availability: .drain, reason: "node down"),
    ]

    @Test(arguments: cases)
    func onlyReadyActiveNodesTakeWork(_ c: Case) {
        let node = SchedFixture.node("n1", status: c.status, availability: c.availability)
        #expect(NodeReadyFilter().reject(SchedFixture.request("c1"), on: node) == c.reason)
    }
}
