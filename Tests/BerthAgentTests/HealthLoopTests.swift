@testable import BerthAgent
import BerthCore
import BerthHarness
import Logging
import Synchronization
import Testing

/// The health loop with a fake prober and a manual clock, feeding the agent's loop and a fake
/// server: a check runs every `interval` of the clock and never in between, one that does not
/// answer within `timeout` of the clock fails, and a container's health is reported once per
/// change (unhealthy once however often it fails, healthy once when it recovers).
@Suite struct HealthLoopTests {
    /// Answers from a script, one per check (nil: no answer until cancelled), noting when
    /// (the clock's uptime) each check began.
    final class FakeProber: HealthProbing {
        struct State {
            var script: [Bool?]
            var began: [Duration] = []
        }

        let state: Mutex<State>
        let clock: ManualClock

        init(_ script: [Bool?], clock: ManualClock) {
            state = Mutex(State(script: script))
            self.clock = clock
        }

        func probe(_ target: ProbeTarget, path: String, timeout: Duration) async -> Bool {
            let answer = state.withLock { state -> Bool?? in
                state.began.append(clock.uptime)
                return state.script.isEmpty ? .some(true) : state.script.removeFirst()
            }
            if let answer = answer ?? nil { return answer }
            // No answer: waits until the loop gives up on it.
            let (never, _) = AsyncStream.makeStream(of: Void.self)
            for await _ in never {}
            return true
        }

        var began: [Duration] { state.withLock { $0.began } }
    }

    static let template = ContainerTemplate(
        image: "x", ports: [ContainerPort(name: "http", containerPort: 8080)],
        healthCheck: HealthCheck(http: "/health", interval: .seconds(2), timeout: .seconds(1))
    )

    @Test func healthIsReportedOncePerChangeAndChecksFollowTheClock() async throws {
        let clock = ManualClock()
        let container = Container(id: "c", node: "n1", state: .scheduled, template: Self.template, createIndex: 1, modifyIndex: 1)
        let server = AgentLoopTests.FakeServer([container])
        let driver = SimulatedDriver()
        let probes = ProbeRegistry()
        var loop = AgentLoop(nodes: ["n1"], drivers: ["n1": driver], api: server, grace: .seconds(1), logger: Logger(label: "test"),
                             probes: probes, adopted: [:], clock: clock)
        await loop.handle(.listed([container]))
        #expect(server.state.withLock { $0.taken.last } == StatusReport(state: .running, healthy: false, hostPorts: ["http": 30000]),
                "running, not yet healthy")

        // Fails three times, does not answer once (a timeout), then recovers.
        let prober = FakeProber([false, false, false, nil, true, true], clock: clock)
        let (results, sink) = AsyncStream.makeStream(of: (String, Bool).self)
        let health = Task { await HealthLoop(probes: probes, prober: prober, clock: clock).run { sink.yield(($0, $1)) } }
        var received = results.makeAsyncIterator()
        func next() async throws -> Bool {
            let (id, healthy) = try #require(await received.next())
            #expect(id == "c")
            await loop.handle(.health(id: id, healthy: healthy))
            return healthy
        }

        #expect(try await next() == false, "checked at once")
        for n in 2...3 {
            clock.advance(by: .milliseconds(1999))
            #expect(prober.began.count == n - 1, "not checked again before its interval")
            clock.advance(by: .milliseconds(1))
            #expect(try await next() == false)
        }
        clock.advance(by: .seconds(2))
        try await eventually("the fourth check began") { prober.began.count == 4 && clock.sleeping == 1 }
        clock.advance(by: .milliseconds(999))
        clock.advance(by: .milliseconds(1))
        #expect(try await next() == false, "no answer within the timeout is a failure")
        clock.advance(by: .seconds(1))  // the fifth check is due 2 s after the fourth began
        #expect(try await next() == true)
        clock.advance(by: .seconds(2))
        #expect(try await next() == true)
        #expect(prober.began == [.zero, .seconds(2), .seconds(4), .seconds(6), .seconds(8), .seconds(10)])

        let healthReports = server.state.withLock { $0.taken }.dropFirst(2).map(\.healthy)
        #expect(healthReports == [false, true], "unhealthy once, healthy once")

        // Removed (the container stopped): no check is due any more.
        probes.set("c", nil)
        clock.advance(by: .seconds(10))
        #expect(prober.began.count == 6)
        health.cancel()
        await health.value
    }
}
