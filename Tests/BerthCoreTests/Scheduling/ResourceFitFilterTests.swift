@testable import BerthCore
import Testing

@Suite struct ResourceFitFilterTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var capacity: Resources
        var allocated: Resources
        var request: Resources
        var reason: String?
        var testDescription: String { "\(request) on \(allocated)/\(capacity) -> \(reason ?? "fits")" }
    }

    static let cases: [Case] = [
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .zero, request: .init(cpu: 500, memory: 512), reason: nil),
        // Exactly what is left still fits.
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 500, memory: 512), request: .init(cpu: 500, memory: 512), reason: nil),
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 0, memory: 600), request: .init(cpu: 100, memory: 512),
             reason: "insufficient memory (needs 512 MiB)"),
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 500, memory: 512), request: .init(cpu: 500, memory: 513),
             reason: "insufficient memory (needs 513 MiB)"),
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 500, memory: 0), request: .init(cpu: 600, memory: 64),
             reason: "insufficient cpu (needs 600m)"),
        // Short of both: memory is named, it is checked first.
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 1000, memory: 1024), request: .init(cpu: 1, memory: 1),
             reason: "insufficient memory (needs 1 MiB)"),
        // A request of nothing fits on a full node.
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 1000, memory: 1024), request: .zero, reason: nil),
        // An overcommitted node (its capacity shrank) takes nothing, not even a zero request,
        // as the capacity trigger (allocated + request > capacity) would refuse it too.
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 2000, memory: 100), request: .init(cpu: 0, memory: 10),
             reason: "insufficient cpu (needs 0m)"),
        Case(capacity: .init(cpu: 1000, memory: 1024), allocated: .init(cpu: 2000, memory: 100), request: .init(cpu: 1, memory: 10),
             reason: "insufficient cpu (needs 1m)"),
    ]

    @Test(arguments: cases)
    func rejectsWhatDoesNotFit(_ c: Case) {
        let node = SchedFixture.node("n1", cpu: c.capacity.cpu, memory: c.capacity.memory, allocated: c.allocated)
        let request = SchedFixture.request("c1", cpu: c.request.cpu, memory: c.request.memory)
        #expect(ResourceFitFilter().reject(request, on: node) == c.reason)
    }
}
