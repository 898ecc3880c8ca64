@testable import BerthAgent
import BerthCore
import BerthHarness
import Testing

/// When a container may start as far as its network policy goes (issue 18, "policy fails
/// closed"): the pure decision, and the gate containers wait at, on a manual clock.
@Suite struct PolicyAdmissionTests {
    typealias D = PolicyAdmission.Decision

    static let programmed = PolicyState(listed: true, applied: 7, services: ["db", "web"])

    struct Case: Sendable, CustomStringConvertible {
        var description: String
        var service: String?
        var revision: UInt64
        var state: PolicyState
        var expected: Kind
    }

    enum Kind: Sendable { case start, wait, refuse }

    static let cases: [Case] = [
        Case(description: "no service: no ingress rules, starts at once", service: nil, revision: 9, state: PolicyState(), expected: .start),
        Case(description: "services not listed yet: its rules are unknown", service: "db", revision: 1, state: PolicyState(), expected: .wait),
        Case(description: "its declaration programmed", service: "db", revision: 7, state: programmed, expected: .start),
        Case(description: "declared after the last programmed input", service: "db", revision: 8, state: programmed, expected: .wait),
        Case(description: "its service not known to the rules yet", service: "new", revision: 3, state: programmed, expected: .wait),
        Case(description: "the kernel refused the input holding it", service: "db", revision: 8,
             state: { var s = programmed; s.failure = .init(revision: 8, reason: "nft: No such file"); return s }(), expected: .refuse),
        Case(description: "a refusal before its declaration does not refuse it", service: "db", revision: 9,
             state: { var s = programmed; s.failure = .init(revision: 8, reason: "nft: No such file"); return s }(), expected: .wait),
        Case(description: "its service's rules do not read", service: "db", revision: 7,
             state: { var s = programmed; s.refused = ["db": "ingress[0].ports[0].protocol: must be tcp or udp"]; return s }(), expected: .refuse),
        Case(description: "another service's rules do not read", service: "web", revision: 7,
             state: { var s = programmed; s.refused = ["db": "bad"]; return s }(), expected: .start),
    ]

    @Test(arguments: cases) func decision(_ c: Case) {
        let decision = PolicyAdmission.decide(service: c.service, revision: c.revision, state: c.state)
        switch (decision, c.expected) {
        case (.start, .start), (.wait, .wait), (.refuse, .refuse): break
        default: Issue.record("\(c.description): \(decision)")
        }
    }

    @Test func aRefusalSaysWhy() {
        var state = Self.programmed
        state.refused = ["db": "ingress[0].from[0]: give exactly one of service or cidr"]
        #expect(PolicyAdmission.decide(service: "db", revision: 1, state: state)
            == .refuse("the ingress rules of service db cannot be programmed: ingress[0].from[0]: give exactly one of service or cidr"))
        state.failure = .init(revision: 4, reason: "nft refused")
        #expect(PolicyAdmission.decide(service: "web", revision: 4, state: state) == .refuse("the network policy of service web cannot be programmed: nft refused"))
    }

    /// A container waits until the service plane publishes an input holding it.
    @Test func theGateAdmitsOnceItsPolicyIsProgrammed() async throws {
        let clock = ManualClock()
        let gate = PolicyGate(clock: clock, timeout: .seconds(30))
        let admitted = Task { try await gate.admit(service: "db", revision: 3) }
        try await eventually("the container waits") { clock.sleeping == 1 }
        gate.publish(PolicyState(listed: true, applied: 2, services: ["db"]))
        gate.publish(PolicyState(listed: true, applied: 3, services: ["db"]))
        try await admitted.value
    }

    /// Never listed: after the wait it is refused, saying what it waited for.
    @Test func theGateRefusesAfterItsWait() async throws {
        let clock = ManualClock()
        let gate = PolicyGate(clock: clock, timeout: .seconds(30))
        let admitted = Task { try await gate.admit(service: "db", revision: 1) }
        try await eventually("the container waits") { clock.sleeping == 1 }
        clock.advance(by: .seconds(29))
        #expect(clock.sleeping == 1, "still waiting")
        clock.advance(by: .seconds(1))
        let error = await #expect(throws: DriverError.self) { try await admitted.value }
        #expect(error?.description.contains("has not listed the services yet") == true, "\(String(describing: error))")
    }

    /// A failed apply of the input holding it refuses it at once.
    @Test func theGateRefusesWhenTheKernelRefusedItsRules() async throws {
        let clock = ManualClock()
        let gate = PolicyGate(clock: clock)
        let admitted = Task { try await gate.admit(service: "db", revision: 2) }
        try await eventually("the container waits") { clock.sleeping == 1 }
        gate.publish(PolicyState(listed: true, applied: 1, services: ["db"], failure: .init(revision: 2, reason: "nft: Operation not permitted")))
        let error = await #expect(throws: DriverError.self) { try await admitted.value }
        #expect(error?.description.contains("nft: Operation not permitted") == true)
    }
}
