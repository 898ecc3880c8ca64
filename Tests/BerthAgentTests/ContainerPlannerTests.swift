@testable import BerthAgent
import BerthCore
import BerthHarness
import Testing

/// The agent's container decisions, without a driver, a server or a clock.
@Suite struct ContainerPlannerTests {
    static func container(_ id: String, node: String? = "n1", state: ContainerState = .scheduled, desired: DesiredState = .running,
                          index: UInt64 = 1, reason: String? = nil) -> Container {
        Container(id: id, node: node, state: state, desiredState: desired, reason: reason, template: ContainerTemplate(image: "x"), createIndex: index)
    }

    static func plan(_ assigned: [Container], running: [String: ObservedContainer] = [:], nodes: Set<String> = ["n1"]) -> [ContainerAction] {
        ContainerPlanner.plan(assigned: Dictionary(uniqueKeysWithValues: assigned.map { ($0.id, $0) }), running: running, agentNodes: nodes)
    }

    @Test func aScheduledContainerIsStartedOldestFirst() {
        let a = Self.container("a", index: 5)
        let b = Self.container("b", index: 2)
        #expect(Self.plan([a, b]) == [.start(b, node: "n1"), .start(a, node: "n1")])
    }

    @Test func aContainerTheServerThinksRunsButDoesNotIsReportedFailed() {
        for state in [ContainerState.starting, .running] {
            #expect(Self.plan([Self.container("a", state: state)]) == [
                .report(id: "a", StatusReport(state: .failed, reason: "not running on n1 after an agent restart")),
            ])
        }
    }

    @Test func whatRunsAndIsWantedIsLeftAloneOrConfirmedIfAdopted() {
        let a = Self.container("a", state: .running)
        #expect(Self.plan([a], running: ["a": ObservedContainer(node: "n1")]).isEmpty)
        #expect(Self.plan([a], running: ["a": ObservedContainer(node: "n1", adopted: true)]) == [.confirm(id: "a", node: "n1")])
    }

    @Test(arguments: [
        (ContainerState.running, DesiredState.stopped, "scaled down", "scaled down" as String?),
        (.lost, .stopped, "node n1 is down", "node n1 is down"),
        (.exited, .stopped, "done", nil),
        (.failed, .running, "crashed", nil),
    ])
    func whatRunsAndIsNotWantedIsStopped(state: ContainerState, desired: DesiredState, reason: String, report: String?) {
        let a = Self.container("a", state: state, desired: desired, reason: reason)
        #expect(Self.plan([a], running: ["a": ObservedContainer(node: "n1")]) == [.stop(id: "a", node: "n1", report: report)])
    }

    @Test func whatRunsButIsAssignedNowhereHereIsStoppedSilently() {
        let moved = Self.container("a", node: "n2", state: .running)
        #expect(Self.plan([moved], running: ["a": ObservedContainer(node: "n1")]) == [.stop(id: "a", node: "n1", report: nil)])
        #expect(Self.plan([], running: ["b": ObservedContainer(node: "n1", adopted: true)]) == [.stop(id: "b", node: "n1", report: nil)])
    }

    @Test func otherNodesContainersAreNotTouched() {
        #expect(Self.plan([Self.container("a", node: "n2")]).isEmpty)
        #expect(Self.plan([Self.container("a", node: nil, state: .pending)]).isEmpty)
    }

    @Test func exitsAreReportedAsExitedOrFailed() {
        let reports = ContainerPlanner.reports(for: [
            DriverExit(id: "a", exitCode: 0),
            DriverExit(id: "b", exitCode: 137, reason: "OOM killed (memory limit 32 MiB)", failed: true),
            DriverExit(id: "c", exitCode: nil, reason: "exit code unknown"),
            DriverExit(id: "d", exitCode: 3),
        ])
        #expect(reports.map(\.report.state) == [.exited, .failed, .failed, .exited])
        #expect(reports[0].report.reason == "exited with code 0")
        #expect(reports[1].report.reason == "OOM killed (memory limit 32 MiB)" && reports[1].report.exitCode == 137)
    }

    /// Seeded: random server views and driver views; applying each plan to the driver view
    /// converges (the next plan has no start and no stop), nothing is started that runs or
    /// stopped that does not, and each container gets at most one action.
    @Test(arguments: [UInt64(1), 99, 20261130])
    func randomViewsConverge(seed: UInt64) {
        var random = SplitMix64(seed: seed)
        let states = ContainerState.allCases
        for round in 0..<200 {
            var assigned: [String: Container] = [:]
            var running: [String: ObservedContainer] = [:]
            for i in 0..<random.int(in: 0...12) {
                let id = "c\(i)"
                if random.int(in: 0...4) > 0 {
                    let node = ["n1", "n2", nil][random.int(in: 0...2)]
                    assigned[id] = Self.container(id, node: node, state: states[random.int(in: 0...(states.count - 1))],
                                                  desired: random.int(in: 0...1) == 0 ? .running : .stopped, index: UInt64(random.int(in: 1...50)))
                }
                if random.int(in: 0...2) == 0 { running[id] = ObservedContainer(node: "n1", adopted: random.int(in: 0...1) == 0) }
            }
            let plan = ContainerPlanner.plan(assigned: assigned, running: running, agentNodes: ["n1"])
            var touched = Set<String>()
            for action in plan {
                let id: String = switch action {
                case .start(let c, _): c.id
                case .stop(let id, _, _), .confirm(let id, _), .report(let id, _): id
                }
                #expect(touched.insert(id).inserted, "seed \(seed) round \(round): two actions for \(id)")
                switch action {
                case .start(let c, _):
                    #expect(running[c.id] == nil, "seed \(seed) round \(round): started \(c.id), which runs")
                    running[c.id] = ObservedContainer(node: "n1")
                    assigned[c.id]?.state = .running
                case .stop(let id, _, _):
                    #expect(running[id] != nil, "seed \(seed) round \(round): stopped \(id), which does not run")
                    running[id] = nil
                case .confirm(let id, let node):
                    running[id] = ObservedContainer(node: node)
                case .report(let id, let status):
                    assigned[id]?.state = ContainerState(rawValue: status.state.rawValue)!
                }
            }
            let again = ContainerPlanner.plan(assigned: assigned, running: running, agentNodes: ["n1"])
            #expect(again.allSatisfy { if case .start = $0 { false } else if case .stop = $0 { false } else { true } },
                    "seed \(seed) round \(round): \(again)")
        }
    }
}
