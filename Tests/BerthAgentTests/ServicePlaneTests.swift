@testable import BerthAgent
import BerthClient
import BerthCore
import BerthHarness
import BerthNetwork
import Foundation
import Logging
import Synchronization
import Testing

/// The service plane's apply loop with a fake kernel and a manual clock: nothing before the
/// first list, a refused nft apply refuses the container it held and is retried on the backoff,
/// and the policy gate follows what the kernel took.
@Suite struct ServicePlaneTests {
    final class FakeKernel: ServiceRulesKernel {
        struct State {
            var failures: Int
            var inputs: [ServiceRules.Input] = []
        }

        let state: Mutex<State>

        init(failures: Int = 0) { state = Mutex(State(failures: failures)) }

        func program(_ input: ServiceRules.Input) throws -> ServiceRulesProgrammed {
            try state.withLock { state in
                state.inputs.append(input)
                if state.failures > 0 {
                    state.failures -= 1
                    throw DriverError("nft: Operation not permitted")
                }
                return ServiceRulesProgrammed(changed: true)
            }
        }

        func repair() throws -> Int { 0 }

        var inputs: [ServiceRules.Input] { state.withLock { $0.inputs } }
    }

    static let db = ServiceDocument.readable(ServiceTargets(
        service: "db", vip: "198.19.128.5", ports: [ServicePort(port: 5432, targetPort: 5432)], loadBalancer: LoadBalancer(),
        ingress: [IngressRule(from: [.service("api")], ports: [IngressRule.Port(port: 5432)])], targets: []
    ))

    struct Harness {
        let clock = ManualClock()
        let kernel: FakeKernel
        let local = LocalContainers()
        let gate: PolicyGate
        let plane: ServicePlane
        let sink: AsyncStream<ServicePlane.Trigger>.Continuation
        let retries: AsyncStream<Duration>
        let loop: Task<Void, Never>

        init(failures: Int) throws {
            kernel = FakeKernel(failures: failures)
            gate = PolicyGate(clock: clock)
            plane = ServicePlane(proxy: kernel, view: ClusterView(client: BerthClient(server: try #require(URL(string: "http://127.0.0.1:1")))),
                                 local: local, gate: gate, clock: clock, logger: Logger(label: "test"))
            let (triggers, sink) = AsyncStream.makeStream(of: ServicePlane.Trigger.self)
            let (retries, retry) = AsyncStream.makeStream(of: Duration.self)
            self.sink = sink
            self.retries = retries
            let plane = self.plane
            loop = Task { await plane.apply(triggers, retry: retry) }
        }

        func finish() async {
            sink.finish()
            await loop.value
        }
    }

    @Test func nothingIsProgrammedBeforeTheFirstList() async throws {
        let h = try Harness(failures: 0)
        let revision = h.local.set("c1", LocalContainer(ip: IPv4Address("198.19.0.2")!, service: "db"))
        h.sink.yield(.local(seen: h.clock.uptime))
        h.sink.yield(.listed([Self.db], seen: h.clock.uptime))
        try await eventually("the list is programmed") { h.gate.current.listed }
        await h.finish()
        #expect(h.kernel.inputs.count == 1, "the local change before the list programmed nothing")
        #expect(h.kernel.inputs.first?.localContainers == [ServiceRules.LocalContainer(ip: IPv4Address("198.19.0.2")!, service: "db")])
        #expect(h.gate.current.applied == revision && h.gate.current.services == ["db"])
    }

    /// The kernel refuses the input holding a new container: the container waiting at the gate
    /// is refused, saying so; the loop asks for a retry 200 ms later, which programs it.
    @Test func aRefusedApplyRefusesItsContainerAndIsRetried() async throws {
        let h = try Harness(failures: 1)
        let revision = h.local.set("c1", LocalContainer(ip: IPv4Address("198.19.0.2")!, service: "db"))
        let admitted = Task { try await h.gate.admit(service: "db", revision: revision) }
        h.sink.yield(.listed([Self.db], seen: h.clock.uptime))
        let error = await #expect(throws: DriverError.self) { try await admitted.value }
        #expect(error?.description == "the network policy of service db cannot be programmed: nft: Operation not permitted")
        var retries = h.retries.makeAsyncIterator()
        #expect(await retries.next() == .milliseconds(200))

        h.sink.yield(.retry(seen: h.clock.uptime))
        try await eventually("the retry is programmed") { h.gate.current.failure == nil && h.gate.current.applied == revision }
        // A container declared now starts once its declaration is programmed.
        let next = h.local.set("c2", LocalContainer(ip: IPv4Address("198.19.0.3")!, service: "db"))
        let second = Task { try await h.gate.admit(service: "db", revision: next) }
        h.sink.yield(.local(seen: h.clock.uptime))
        try await second.value
        await h.finish()
        #expect(h.kernel.inputs.map(\.localContainers.count) == [1, 1, 2])
    }
}
