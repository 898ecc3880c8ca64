@testable import BerthAgent
import BerthCore
import BerthHarness
import Logging
import Synchronization
import Testing

/// The agent's loop around the container planner, with a fake server, the simulated driver and
/// a manual clock: what it does on a failed report, a lost watch and a restart.
@Suite struct AgentLoopTests {
    /// Takes reports like the server (the container's state moves), refusing the first
    /// `failures` of them; records every attempt.
    final class FakeServer: StatusReporting {
        struct State {
            var containers: [String: Container] = [:]
            var failures = 0
            var attempts: [String] = []
            var accepted: [String] = []
            /// The reports taken, in full.
            var taken: [StatusReport] = []
        }

        let state = Mutex(State())

        init(_ containers: [Container], failures: Int = 0) {
            state.withLock { state in
                for c in containers { state.containers[c.id] = c }
                state.failures = failures
            }
        }

        func report(_ id: String, _ report: StatusReport) async throws -> Container? {
            try state.withLock { state in
                state.attempts.append("\(id) \(report.state.rawValue)")
                if state.failures > 0 {
                    state.failures -= 1
                    throw DriverError("the server is away")
                }
                guard var container = state.containers[id] else { return nil }
                state.accepted.append("\(id) \(report.state.rawValue)")
                state.taken.append(report)
                container.state = ContainerState(rawValue: report.state.rawValue)!
                container.reason = report.reason
                container.modifyIndex += 1
                state.containers[id] = container
                return container
            }
        }

        var attempts: [String] { state.withLock { $0.attempts } }
        var accepted: [String] { state.withLock { $0.accepted } }
    }

    static func container(_ id: String, state: ContainerState = .scheduled, index: UInt64 = 1) -> Container {
        Container(id: id, node: "n1", state: state, template: ContainerTemplate(image: "x"), createIndex: index, modifyIndex: index)
    }

    static func loop(_ server: FakeServer, driver: SimulatedDriver, clock: ManualClock, adopted: [String: String] = [:],
                     logger: Logger = Logger(label: "test")) -> AgentLoop {
        AgentLoop(nodes: ["n1"], drivers: ["n1": driver], api: server, grace: .seconds(1), logger: logger,
                  probes: ProbeRegistry(), adopted: adopted, clock: clock)
    }

    /// Runs `message` through the loop; whenever it waits on the clock, moves the clock on by
    /// `step`. Returns the loop as it is after.
    static func handle(_ message: AgentRunner.Message, _ loop: AgentLoop, clock: ManualClock, step: Duration = .seconds(5)) async throws -> AgentLoop {
        let task = Task {
            var loop = loop
            await loop.handle(message)
            return loop
        }
        let done = Mutex(false)
        let watcher = Task {
            while !done.withLock({ $0 }) {
                if clock.sleeping > 0 { clock.advance(by: step) }
                await Task.yield()
            }
        }
        let after = await task.value
        done.withLock { $0 = true }
        await watcher.value
        return after
    }

    /// The server refuses the first two reports: the loop tries again after 200 and then 400 ms
    /// of its clock, and never before; the container starts and is reported running.
    @Test func aRefusedReportIsTriedAgainOnTheBackoff() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("c")], failures: 2)
        let driver = SimulatedDriver()
        let task = Task {
            var loop = Self.loop(server, driver: driver, clock: clock)
            await loop.handle(.listed([Self.container("c")]))
            return loop
        }
        try await eventually("the first report was refused") { server.attempts.count == 1 && clock.sleeping == 1 }
        clock.advance(by: .milliseconds(199))
        #expect(server.attempts.count == 1, "not tried again before 200 ms")
        clock.advance(by: .milliseconds(1))
        try await eventually("the second report was refused") { server.attempts.count == 2 && clock.sleeping == 1 }
        clock.advance(by: .milliseconds(400))
        let loop = await task.value
        #expect(server.accepted == ["c starting", "c running"])
        #expect(await driver.running().keys.sorted() == ["c"])
        #expect(loop.runningOn == ["c": "n1"])
        #expect(loop.assigned["c"]?.state == .running, "the server's answer is the loop's view")
    }

    /// A server that refuses every report: each is tried five times, then given up, and the loop
    /// goes on (the container runs; its state is the server's to find out).
    @Test func aReportThatKeepsFailingIsGivenUpAndTheLoopGoesOn() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("c")], failures: .max)
        let driver = SimulatedDriver()
        let loop = try await Self.handle(.listed([Self.container("c")]), Self.loop(server, driver: driver, clock: clock), clock: clock)
        #expect(server.attempts == Array(repeating: "c starting", count: 5) + Array(repeating: "c running", count: 5))
        #expect(server.accepted.isEmpty)
        #expect(loop.runningOn == ["c": "n1"] && loop.assigned["c"]?.state == .scheduled)
        #expect(loop.unreported["c"]?.status.state == .running, "kept for the resyncs")
    }

    /// The server refuses every report for a while: the latest is kept, logged once at error
    /// level with the server's answer, and sent once more at each resync whose backoff has
    /// passed (never in between), until the server takes it; the loop's view is then the
    /// server's answer.
    @Test func aRefusedReportIsSentAgainAtTheResyncsUntilTaken() async throws {
        let clock = ManualClock()
        let log = CapturedLog()
        let server = FakeServer([Self.container("c")], failures: .max)
        let driver = SimulatedDriver()
        var loop = try await Self.handle(.listed([Self.container("c")]), Self.loop(server, driver: driver, clock: clock, logger: log.logger), clock: clock)
        #expect(server.attempts.count == 10)
        let errors = log.lines(at: .error)
        #expect(errors.count == 1 && errors.first?.contains("refuses the container's status") == true, "\(log.all)")

        // A resync before the backoff's 200 ms is up sends nothing.
        loop = try await Self.handle(.resync, loop, clock: clock)
        #expect(server.attempts.count == 10)
        clock.advance(by: .milliseconds(200))
        loop = try await Self.handle(.resync, loop, clock: clock)
        #expect(server.attempts.suffix(1) == ["c running"] && server.attempts.count == 11, "one more try, of the latest report")
        clock.advance(by: .milliseconds(399))
        loop = try await Self.handle(.resync, loop, clock: clock)
        #expect(server.attempts.count == 11, "not before its backoff (400 ms now)")
        #expect(log.lines(at: .error).count == 1, "logged once")

        server.state.withLock { $0.failures = 0 }
        clock.advance(by: .milliseconds(1))
        loop = try await Self.handle(.resync, loop, clock: clock)
        #expect(server.accepted == ["c running"])
        #expect(loop.assigned["c"]?.state == .running && loop.unreported.isEmpty)
        loop = try await Self.handle(.resync, loop, clock: clock.advancing(by: .seconds(10)))
        #expect(server.attempts.count == 12, "nothing more to send")
    }

    /// A refused report is dropped once the container is no longer assigned here (deleted), and
    /// superseded by a later report the server takes.
    @Test func aRefusedReportIsDroppedWhenDeletedOrSuperseded() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("a"), Self.container("b", index: 2)], failures: 10)
        let driver = SimulatedDriver()
        var loop = try await Self.handle(.listed([Self.container("a")]), Self.loop(server, driver: driver, clock: clock), clock: clock)
        #expect(loop.unreported.keys.sorted() == ["a"])
        loop = try await Self.handle(.changed([], deleted: ["a"]), loop, clock: clock)
        loop = try await Self.handle(.resync, loop, clock: clock.advancing(by: .seconds(5)))
        #expect(loop.unreported.isEmpty && server.accepted.isEmpty, "a is deleted: nothing sent")

        server.state.withLock { $0.failures = 10 }
        loop = try await Self.handle(.changed([Self.container("b", index: 2)], deleted: []), loop, clock: clock)
        #expect(loop.unreported["b"]?.status.state == .running)
        driver.exit("b", code: 0)
        loop = try await Self.handle(.exited("b"), loop, clock: clock)
        #expect(server.accepted == ["b exited"])
        #expect(loop.unreported.isEmpty, "the exit superseded the running report")
    }

    /// The watch was lost and the loop lists again: what was deleted meanwhile is stopped (no
    /// report: the server no longer has it), what is still assigned keeps running.
    @Test func aLostWatchListsAgainAndStopsWhatWasDeletedMeanwhile() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("a"), Self.container("b", index: 2)])
        let driver = SimulatedDriver()
        var loop = try await Self.handle(.listed([Self.container("a"), Self.container("b", index: 2)]), Self.loop(server, driver: driver, clock: clock), clock: clock)
        #expect(await driver.running().keys.sorted() == ["a", "b"])
        let a = try #require(server.state.withLock { $0.containers["a"] })
        loop = try await Self.handle(.listed([a]), loop, clock: clock)
        #expect(await driver.running().keys.sorted() == ["a"])
        #expect(loop.runningOn == ["a": "n1"])
        #expect(server.accepted == ["a starting", "a running", "b starting", "b running"], "b's stop is not reported")
    }

    /// A restarted agent: what still runs and is wanted is confirmed (reported running), what
    /// the server believes running but no longer runs is reported failed, and what runs but
    /// the server no longer assigns here is stopped.
    @Test func aRestartedAgentConfirmsReportsAndStops() async throws {
        let clock = ManualClock()
        let driver = SimulatedDriver()
        for id in ["kept", "orphan"] { _ = try await driver.start(Self.container(id), node: "n1") }
        let kept = Self.container("kept", state: .running), died = Self.container("died", state: .running, index: 2)
        let server = FakeServer([kept, died])
        let loop = try await Self.handle(.listed([kept, died]), Self.loop(server, driver: driver, clock: clock, adopted: ["kept": "n1", "orphan": "n1"]), clock: clock)
        #expect(server.accepted.sorted() == ["died failed", "kept running"])
        #expect(server.state.withLock { $0.containers["died"]?.reason } == "not running on n1 after an agent restart")
        #expect(await driver.running().keys.sorted() == ["kept"], "the orphan is stopped")
        #expect(loop.adopted.isEmpty && loop.runningOn == ["kept": "n1"])
    }
    /// A container's process ends: the driver announces it, the announcement reaches the loop
    /// with no clock moving (no tick to wait for), and the loop reports the exit with its code.
    @Test func anAnnouncedExitIsReportedWithoutWaitingForTheResync() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("c"), Self.container("d", index: 2)])
        let driver = SimulatedDriver()
        var loop = try await Self.handle(.listed([Self.container("c"), Self.container("d", index: 2)]), Self.loop(server, driver: driver, clock: clock), clock: clock)
        let (messages, sink) = AsyncStream.makeStream(of: AgentRunner.Message.self)
        // Two nodes sharing one simulated driver: its notices are read once.
        let forwarder = Task { await AgentRunner.forwardExits(of: [driver, driver], into: sink) }
        driver.exit("c", code: 3)
        var received = messages.makeAsyncIterator()
        let message = try #require(await received.next())
        guard case .exited("c") = message else { Issue.record("expected c's exit, got \(message)"); return }
        #expect(clock.uptime == .zero && clock.sleeping == 0, "nothing waited on the clock")
        loop = try await Self.handle(message, loop, clock: clock)
        #expect(server.accepted.suffix(1) == ["c exited"])
        #expect(server.state.withLock { $0.containers["c"]?.state } == .exited)
        #expect(loop.runningOn == ["d": "n1"])
        // A second notice of the same end (the linux driver sends its init's, then its
        // monitor's) reports nothing more.
        loop = try await Self.handle(.exited("c"), loop, clock: clock)
        #expect(server.accepted.filter { $0.hasPrefix("c ") } == ["c starting", "c running", "c exited"])
        forwarder.cancel()
        await forwarder.value
    }

    /// An end no driver announced (no pidfd for it) is found by the slow resync all the same.
    @Test func theResyncFindsAnEndThatWasNotAnnounced() async throws {
        let clock = ManualClock()
        let server = FakeServer([Self.container("c")])
        let driver = SimulatedDriver()
        var loop = try await Self.handle(.listed([Self.container("c")]), Self.loop(server, driver: driver, clock: clock), clock: clock)
        driver.exit("c", code: 0)  // its notice is not read
        loop = try await Self.handle(.resync, loop, clock: clock)
        #expect(server.accepted == ["c starting", "c running", "c exited"])
        #expect(loop.runningOn.isEmpty)
    }
}

extension ManualClock {
    /// Moves on by `duration` and returns itself (for a step inline).
    func advancing(by duration: Duration) -> ManualClock {
        advance(by: duration)
        return self
    }
}
