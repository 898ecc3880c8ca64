@testable import BerthCore
import Testing

@Suite struct HostPortFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var used: Set<Int>
        var wanted: [Int]
        var reason: String?
        var testDescription: String { "\(wanted) with \(used.sorted()) used -> \(reason ?? "feasible")" }
    }

    static let cases: [Case] = [
        Case(used: [], wanted: [], reason: nil),
        Case(used: [8080], wanted: [], reason: nil),
        Case(used: [], wanted: [8080], reason: nil),
        Case(used: [8080], wanted: [8080], reason: "host port 8080 in use"),
        Case(used: [8080], wanted: [9090], reason: nil),
        Case(used: [8080, 9090], wanted: [7070, 9090], reason: "host port 9090 in use"),
        // The first taken port, in the request's order, is named.
        Case(used: [8080, 9090], wanted: [9090, 8080], reason: "host port 9090 in use"),
    ]

    @Test(arguments: cases)
    func staticPortsAreExclusivePerNode(_ c: Case) {
        let node = SchedFixture.node("n1", ports: c.used)
        #expect(HostPortFilter().reject(SchedFixture.request("c1", hostPorts: c.wanted), on: node) == c.reason)
    }
}
