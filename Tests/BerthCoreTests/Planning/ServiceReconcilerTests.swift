@testable import BerthCore
import Foundation
import Testing

@Suite struct ServiceReconcilerTests {
    typealias F = RecFixture
    let reconciler = ServiceReconciler()

    func plan(_ services: [ServiceView], _ containers: [ContainerView], nodes: [NodeState] = F.threeNodes, now: Date = F.t0) -> ServicePlan {
        reconciler.plan(services: services, containers: containers, nodes: nodes, now: now)
    }

    // MARK: - Scaling

    @Test func scaleUpFromNothing() {
        let result = plan([F.service(F.spec(replicas: 3))], [])
        #expect(result.creates == Array(repeating: ServicePlan.Create(service: "web", pinnedNode: nil, attempt: 0, reason: nil), count: 3))
        #expect(result.stops.isEmpty && result.removes.isEmpty && result.notes.isEmpty)
        #expect(result.wakeAt == nil)
    }

    @Test func scaleUpCountsPendingAndStarting() {
        let containers = [
            F.container("a", state: .running, index: 1),
            F.container("b", node: nil, state: .pending, index: 2),
            F.container("c", node: "n2", state: .scheduled, index: 3),
        ]
        #expect(plan([F.service(F.spec(replicas: 5))], containers).creates.count == 2)
        #expect(plan([F.service(F.spec(replicas: 3))], containers).isEmpty)
    }

    /// a: oldest running healthy; b: running unhealthy; c: pending, unplaced; d: starting;
    /// e: running healthy; f: newest running healthy.
    static let mixed: [ContainerView] = [
        F.container("a", node: "n1", state: .running, healthy: true, index: 1),
        F.container("b", node: "n2", state: .running, healthy: false, index: 2),
        F.container("c", node: nil, state: .pending, index: 3),
        F.container("d", node: "n3", state: .starting, index: 4),
        F.container("e", node: "n1", state: .running, healthy: true, index: 5),
        F.container("f", node: "n2", state: .running, index: 6),
    ]

    struct ScaleDownCase: Sendable, CustomTestStringConvertible {
        var replicas: Int
        var removes: [String]
        var stops: [String]
        var testDescription: String { "to \(replicas): remove \(removes), stop \(stops)" }
    }

    @Test(arguments: [
        ScaleDownCase(replicas: 6, removes: [], stops: []),
        ScaleDownCase(replicas: 5, removes: ["c"], stops: []),
        ScaleDownCase(replicas: 4, removes: ["c"], stops: ["b"]),
        ScaleDownCase(replicas: 3, removes: ["c"], stops: ["b", "d"]),
        ScaleDownCase(replicas: 2, removes: ["c"], stops: ["b", "d", "f"]),
        ScaleDownCase(replicas: 1, removes: ["c"], stops: ["b", "d", "f", "e"]),
        ScaleDownCase(replicas: 0, removes: ["c"], stops: ["b", "d", "f", "e", "a"]),
    ])
    func scaleDownRemovesPendingThenUnhealthyThenNewest(_ c: ScaleDownCase) {
        let result = plan([F.service(F.spec(replicas: c.replicas))], Self.mixed)
        #expect(result.creates.isEmpty)
        #expect(result.removes == c.removes)
        #expect(result.stopped == c.stops)
        #expect(result.stops.allSatisfy { $0.reason == "scaled down to \(c.replicas)" })
    }

    @Test func scaleDownDropsEndedReplicasBeforeRunningOnes() {
        let containers = [
            F.container("a", state: .running, index: 1),
            F.container("b", state: .running, index: 2),
            // Ended, restart not due yet.
            F.container("x", state: .exited, exitCode: 1, index: 3, startedAt: F.at(-1), finishedAt: F.t0),
        ]
        let result = plan([F.service(F.spec(replicas: 2))], containers)
        #expect(result.removes == ["x"])
        #expect(result.stops.isEmpty && result.creates.isEmpty)
    }

    /// Scaling down while an ended replica's backoff has just run out: the ended replica is the
    /// least useful, so it goes without a replacement and no running replica is touched.
    @Test func scaleDownDoesNotStopRunningReplicasToMakeRoomForRestarts() {
        let containers = [
            F.container("a", state: .running, index: 1),
            F.container("b", state: .running, index: 2),
            F.container("x", state: .exited, exitCode: 1, index: 3, startedAt: F.at(-5), finishedAt: F.at(-4)),
        ]
        let result = plan([F.service(F.spec(replicas: 2))], containers)
        #expect(result.stops.isEmpty)
        #expect(result.creates.isEmpty)
        #expect(result.removes == ["x"])
        // Scaled to 3 instead, the same state restarts the slot.
        let same = plan([F.service(F.spec(replicas: 3))], containers)
        #expect(same.creates.count == 1 && same.creates[0].attempt == 1)
        #expect(same.removes == ["x"] && same.stops.isEmpty)
    }

    // MARK: - Restart policies and backoff

    struct PolicyCase: Sendable, CustomTestStringConvertible {
        var policy: RestartPolicy
        var state: ContainerState
        var exitCode: Int?
        var restarts: Bool
        var testDescription: String { "\(policy.rawValue) after \(state.rawValue) \(exitCode.map(String.init) ?? "-") -> \(restarts)" }
    }

    @Test(arguments: [
        PolicyCase(policy: .always, state: .exited, exitCode: 0, restarts: true),
        PolicyCase(policy: .always, state: .exited, exitCode: 1, restarts: true),
        PolicyCase(policy: .always, state: .failed, exitCode: nil, restarts: true),
        PolicyCase(policy: .onFailure, state: .exited, exitCode: 0, restarts: false),
        PolicyCase(policy: .onFailure, state: .exited, exitCode: 137, restarts: true),
        PolicyCase(policy: .onFailure, state: .failed, exitCode: nil, restarts: true),
        PolicyCase(policy: .never, state: .exited, exitCode: 0, restarts: false),
        PolicyCase(policy: .never, state: .exited, exitCode: 1, restarts: false),
        PolicyCase(policy: .never, state: .failed, exitCode: nil, restarts: false),
        // Lost is not an ending of the container: every policy replaces it.
        PolicyCase(policy: .never, state: .lost, exitCode: nil, restarts: true),
        PolicyCase(policy: .onFailure, state: .lost, exitCode: nil, restarts: true),
    ])
    func restartPolicy(_ c: PolicyCase) {
        let ended = F.container("x", node: c.state == .lost ? nil : "n1", state: c.state, exitCode: c.exitCode, index: 2,
                                startedAt: F.at(-3), finishedAt: F.at(-2))
        let containers = [F.container("a", state: .running, index: 1), ended]
        let result = plan([F.service(F.spec(replicas: 2, policy: c.policy))], containers)
        if c.restarts {
            #expect(result.removes == ["x"])
            #expect(result.creates.count == 1)
            #expect(result.creates.first?.attempt == 1)
        } else {
            // The slot is done: nothing replaces it, nothing fills it.
            #expect(result.isEmpty)
        }
        #expect(result.stops.isEmpty)
    }

    @Test func lostReplicaIsReplacedAtOnce() {
        // Lost when its node was deleted: no node, still wanted; no backoff at all.
        let lost = F.container("x", node: nil, state: .lost, index: 2, attempt: 4, startedAt: F.at(-2), finishedAt: F.t0)
        let result = plan([F.service(F.spec(replicas: 2, policy: .never))], [F.container("a", index: 1), lost])
        #expect(result.removes == ["x"])
        #expect(result.creates == [.init(service: "web", pinnedNode: nil, attempt: 5, reason: "replaces x (lost), attempt 5")])
        #expect(result.notes.isEmpty && result.wakeAt == nil)
    }

    @Test func replicaLostWithItsNodeIsReplacedAtOnce() {
        // As NodeLifecycle leaves it: lost, told to stop, still on the down node.
        let lost = F.container("x", node: "n2", state: .lost, desired: .stopped, index: 2, finishedAt: F.t0)
        let nodes = [F.node("n1"), F.node("n2", status: .down)]
        let result = plan([F.service(F.spec(replicas: 2))], [F.container("a", index: 1), lost], nodes: nodes)
        #expect(result.creates.count == 1)
        #expect(result.stops.isEmpty)
        // Kept while its node is away, so a node that comes back stops the stale copy.
        #expect(result.removes.isEmpty)
    }

    struct BackoffCase: Sendable, CustomTestStringConvertible {
        var attempt: Int
        var state: ContainerState
        var exitCode: Int?
        var note: String
        var delay: TimeInterval
        var testDescription: String { "attempt \(attempt) \(state.rawValue) -> \(note)" }
    }

    @Test(arguments: [
        BackoffCase(attempt: 0, state: .exited, exitCode: 1, note: "exited with code 1; restart attempt 1 after 0.1s backoff", delay: 0.1),
        BackoffCase(attempt: 1, state: .exited, exitCode: 0, note: "exited with code 0; restart attempt 2 after 0.2s backoff", delay: 0.2),
        BackoffCase(attempt: 2, state: .failed, exitCode: nil, note: "failed; restart attempt 3 after 0.4s backoff", delay: 0.4),
        BackoffCase(attempt: 5, state: .exited, exitCode: 2, note: "exited with code 2; restart attempt 6 after 3.2s backoff", delay: 3.2),
        BackoffCase(attempt: 9, state: .exited, exitCode: 1, note: "exited with code 1; restart attempt 10 after 30.0s backoff", delay: 30),
    ])
    func restartWaitsForItsBackoff(_ c: BackoffCase) {
        let finished = F.at(100)
        let ended = F.container("x", state: c.state, exitCode: c.exitCode, index: 2, attempt: c.attempt,
                                startedAt: finished.addingTimeInterval(-1), finishedAt: finished)
        let service = F.service(F.spec(replicas: 2, policy: .always))
        let containers = [F.container("a", index: 1), ended]

        // Just before the backoff ends: a note and a wake-up, nothing else.
        let early = plan([service], containers, now: finished.addingTimeInterval(c.delay / 2))
        #expect(early.creates.isEmpty && early.removes.isEmpty && early.stops.isEmpty)
        #expect(early.notes == ["x": c.note])
        #expect(early.wakeAt == finished.addingTimeInterval(c.delay))

        // The note is not written twice.
        var noted = ended
        noted.reason = c.note
        let again = plan([service], [containers[0], noted], now: finished.addingTimeInterval(c.delay / 2))
        #expect(again.isEmpty)
        #expect(again.wakeAt == finished.addingTimeInterval(c.delay))

        // Once it has run out: replaced, with the next attempt number.
        let due = plan([service], containers, now: finished.addingTimeInterval(c.delay))
        #expect(due.removes == ["x"])
        let what = c.state == .failed ? "failed" : "exited with code \(c.exitCode ?? 0)"
        #expect(due.creates == [.init(service: "web", pinnedNode: nil, attempt: c.attempt + 1,
                                      reason: "replaces x (\(what)), attempt \(c.attempt + 1)")])
        #expect(due.notes.isEmpty)
    }

    @Test func stableRunResetsTheBackoff() {
        let ended = F.container("x", state: .exited, exitCode: 1, index: 2, attempt: 7, startedAt: F.at(0), finishedAt: F.at(10))
        let service = F.service(F.spec(replicas: 2))
        let early = plan([service], [F.container("a", index: 1), ended], now: F.at(10.05))
        #expect(early.notes == ["x": "exited with code 1; restart attempt 0 after 0.1s backoff"])
        #expect(early.wakeAt == F.at(10).addingTimeInterval(0.1))
        let due = plan([service], [F.container("a", index: 1), ended], now: F.at(10).addingTimeInterval(0.1))
        #expect(due.creates.map(\.attempt) == [0])
    }

    @Test func wakeAtIsTheEarliestBackoff() {
        let containers = [
            F.container("x", state: .exited, exitCode: 1, index: 1, attempt: 3, startedAt: F.at(-1), finishedAt: F.t0),   // 0.8s
            F.container("y", state: .exited, exitCode: 1, index: 2, attempt: 1, startedAt: F.at(-1), finishedAt: F.t0),   // 0.2s
            F.container("z", service: "db", state: .failed, index: 3, attempt: 4, startedAt: F.at(-1), finishedAt: F.t0), // 1.6s
        ]
        let result = plan([F.service(F.spec(replicas: 2)), F.service("db", F.spec(replicas: 1))], containers, now: F.at(0.1))
        #expect(result.wakeAt == F.t0.addingTimeInterval(0.2))
        #expect(Set(result.notes.keys) == ["x", "y", "z"])
        #expect(result.creates.isEmpty)
    }

    // MARK: - Drain

    @Test func drainStartsTheReplacementBeforeStoppingTheOld() {
        let nodes = [F.node("n1", availability: .drain), F.node("n2"), F.node("n3")]
        let service = F.service(F.spec(replicas: 2))
        let old = F.container("old", node: "n1", state: .running, index: 1)
        let other = F.container("b", node: "n2", state: .running, index: 2)

        let first = plan([service], [old, other], nodes: nodes)
        #expect(first.creates.count == 1)
        #expect(first.stops.isEmpty)

        for state in [ContainerState.pending, .scheduled, .starting] {
            let replacement = F.container("new", node: state == .pending ? nil : "n3", state: state, index: 3)
            let waiting = plan([service], [old, other, replacement], nodes: nodes)
            #expect(waiting.isEmpty, "old replica stopped while its replacement is \(state)")
        }

        let replacement = F.container("new", node: "n3", state: .running, index: 3)
        let done = plan([service], [old, other, replacement], nodes: nodes)
        #expect(done.stops == [.init(container: "old", reason: "node draining; replaced elsewhere")])
        #expect(done.creates.isEmpty && done.removes.isEmpty)
    }

    @Test func drainOfAWholeNodeMovesEveryReplica() {
        let nodes = [F.node("n1", availability: .drain), F.node("n2")]
        let service = F.service(F.spec(replicas: 3))
        let olds = (1...3).map { F.container("old\($0)", node: "n1", index: UInt64($0)) }
        #expect(plan([service], olds, nodes: nodes).creates.count == 3)
        let two = (4...5).map { F.container("new\($0)", node: "n2", index: UInt64($0)) }
        // Two replacements run: two old replicas may go, the oldest first.
        #expect(plan([service], olds + two + [F.container("new6", node: nil, state: .pending, index: 6)], nodes: nodes).stopped
            == ["old1", "old2"])
    }

    @Test func pausedNodeKeepsItsReplicas() {
        let nodes = [F.node("n1", availability: .pause), F.node("n2")]
        let containers = [F.container("a", node: "n1", index: 1), F.container("b", node: "n1", index: 2)]
        #expect(plan([F.service(F.spec(replicas: 2))], containers, nodes: nodes).isEmpty)
    }

    // MARK: - Rolling updates

    @Test func rollingUpdateStopFirst() {
        let service = F.service(version: 2, F.spec(replicas: 3, order: .stopFirst, parallelism: 2))
        let olds = (1...3).map { F.container("old\($0)", node: "n\($0)", index: UInt64($0), version: 1) }

        let first = plan([service], olds)
        #expect(first.stopped == ["old3", "old2"])
        #expect(first.stops.allSatisfy { $0.reason == "replaced by the new template" })
        #expect(first.creates.isEmpty)

        // Stopped ones no longer count: two new replicas are made.
        var next = olds
        next[1].desiredState = .stopped
        next[2].desiredState = .stopped
        #expect(plan([service], next).creates.count == 2)

        // While the new ones start, the rollout waits.
        let starting = next + [F.container("new4", node: nil, state: .pending, index: 4, version: 2),
                               F.container("new5", node: "n2", state: .starting, index: 5, version: 2)]
        #expect(plan([service], starting).isEmpty)

        // Once they run, the last old replica goes.
        let running = Array(next.prefix(1)) + [F.container("new4", node: "n3", index: 4, version: 2),
                                                F.container("new5", node: "n2", index: 5, version: 2)]
        #expect(plan([service], running).stopped == ["old1"])
    }

    @Test func rollingUpdateStartFirst() {
        let service = F.service(version: 2, F.spec(replicas: 2, order: .startFirst, parallelism: 1))
        let olds = [F.container("old1", node: "n1", index: 1, version: 1), F.container("old2", node: "n2", index: 2, version: 1)]

        let first = plan([service], olds)
        #expect(first.creates == [.init(service: "web", pinnedNode: nil, attempt: 0, reason: "rolling out the new template")])
        #expect(first.stops.isEmpty)

        let surge = olds + [F.container("new3", node: "n3", state: .scheduled, index: 3, version: 2)]
        #expect(plan([service], surge).isEmpty)

        let up = olds + [F.container("new3", node: "n3", state: .running, index: 3, version: 2)]
        let retire = plan([service], up)
        #expect(retire.stops == [.init(container: "old2", reason: "replaced by the new template")])
        #expect(retire.creates.isEmpty)
    }

    @Test func rolloutDelayWaitsAfterTheLastStart() {
        let service = F.service(version: 2, F.spec(replicas: 2, parallelism: 1, delay: .seconds(10)))
        let containers = [F.container("old", node: "n1", index: 1, version: 1),
                          F.container("new", node: "n2", index: 2, version: 2, startedAt: F.t0)]
        let early = plan([service], containers, now: F.at(5))
        #expect(early.isEmpty)
        #expect(early.wakeAt == F.at(10))
        #expect(plan([service], containers, now: F.at(10)).stopped == ["old"])
    }

    @Test func outdatedUnhealthyReplicasGoFirst() {
        let service = F.service(version: 2, F.spec(replicas: 3, parallelism: 1))
        let containers = [F.container("a", index: 1, version: 1), F.container("b", healthy: false, index: 2, version: 1),
                          F.container("c", index: 3, version: 1)]
        #expect(plan([service], containers).stopped == ["b"])
    }

    // MARK: - Global services

    static let globalNodes: [NodeState] = [
        F.node("n1", labels: ["zone": "a"]),
        F.node("n2", labels: ["zone": "b"]),
        F.node("n3", status: .down, labels: ["zone": "a"]),
        F.node("n4", availability: .drain, labels: ["zone": "a"]),
        F.node("n5", availability: .pause, labels: ["zone": "a"]),
        F.node("n6", labels: ["zone": "c"]),
    ]

    @Test func globalMakesOnePerEligibleNode() {
        let service = F.service("agent", F.spec(mode: .global, constraints: ["node.labels.zone!=c"]))
        let result = plan([service], [], nodes: Self.globalNodes)
        #expect(result.creates == [
            .init(service: "agent", pinnedNode: "n1", attempt: 0, reason: nil),
            .init(service: "agent", pinnedNode: "n2", attempt: 0, reason: nil),
        ])
    }

    @Test func globalStopsOnIneligibleNodesAndDuplicates() {
        let service = F.service("agent", F.spec(mode: .global, constraints: ["node.labels.zone!=c"]))
        let containers = [
            F.container("on1", service: "agent", node: "n1", index: 1, pinned: "n1"),
            F.container("dup1", service: "agent", node: "n1", index: 2, pinned: "n1"),
            F.container("on2", service: "agent", node: "n2", healthy: false, index: 3, pinned: "n2"),
            F.container("dup2", service: "agent", node: "n2", healthy: true, index: 4, pinned: "n2"),
            F.container("pend3", service: "agent", node: nil, state: .pending, index: 5, pinned: "n3"),
            F.container("on4", service: "agent", node: "n4", index: 6, pinned: "n4"),
            F.container("on5", service: "agent", node: "n5", index: 7, pinned: "n5"),
            F.container("on6", service: "agent", node: "n6", index: 8, pinned: "n6"),
        ]
        let result = plan([service], containers, nodes: Self.globalNodes)
        #expect(result.creates.isEmpty)
        #expect(result.removes == ["pend3"])
        #expect(Set(result.stopped) == ["dup1", "on2", "on4", "on6"])
        #expect(result.stops.first { $0.container == "on4" }?.reason == "node n4 is no longer eligible for global service agent")
        #expect(result.stops.first { $0.container == "dup1" }?.reason == "one container per node for a global service")
    }

    @Test func globalRollsOutParallelismAtATime() {
        let service = F.service("agent", version: 2, F.spec(mode: .global, parallelism: 1))
        let containers = (1...3).map { F.container("old\($0)", service: "agent", node: "n\($0)", index: UInt64($0), version: 1, pinned: "n\($0)") }
        let first = plan([service], containers)
        #expect(first.stopped.count == 1)
        #expect(first.creates.isEmpty)
        // Stopped on n1: a new one is made there, and nothing else is stopped meanwhile.
        var next = containers
        next[0].desiredState = .stopped
        let second = plan([service], next)
        #expect(second.creates == [.init(service: "agent", pinnedNode: "n1", attempt: 0, reason: nil)])
        #expect(second.stops.isEmpty, "parallelism 1: a second node stopped before the first one's replacement ran")
        let starting = next + [F.container("new", service: "agent", node: "n1", state: .scheduled, index: 4, version: 2, pinned: "n1")]
        #expect(plan([service], starting).isEmpty)
        let ran = next + [F.container("new", service: "agent", node: "n1", state: .running, index: 4, version: 2, pinned: "n1")]
        #expect(plan([service], ran).stopped.count == 1)
    }

    @Test func globalRolloutWaitsForTheUpdateDelay() {
        let service = F.service("agent", version: 2, F.spec(mode: .global, parallelism: 1, delay: .seconds(10)))
        let containers = [
            F.container("new", service: "agent", node: "n1", index: 4, version: 2, pinned: "n1", startedAt: F.t0),
            F.container("old2", service: "agent", node: "n2", index: 2, version: 1, pinned: "n2"),
            F.container("old3", service: "agent", node: "n3", index: 3, version: 1, pinned: "n3"),
        ]
        let early = plan([service], containers, now: F.at(5))
        #expect(early.isEmpty)
        #expect(early.wakeAt == F.at(10))
        #expect(plan([service], containers, now: F.at(10)).stopped == ["old2"])
    }

    @Test func globalRestartsOnTheSameNode() {
        let service = F.service("agent", F.spec(mode: .global))
        let containers = [
            F.container("a", service: "agent", node: "n1", index: 1, pinned: "n1"),
            F.container("b", service: "agent", node: "n2", state: .exited, exitCode: 1, index: 2, pinned: "n2",
                        startedAt: F.at(-5), finishedAt: F.at(-4)),
            F.container("c", service: "agent", node: "n3", state: .exited, exitCode: 1, index: 3, attempt: 6, pinned: "n3",
                        startedAt: F.at(-5), finishedAt: F.at(-4)),
        ]
        let result = plan([service], containers)
        // b's backoff is over: replaced on n2. c still waits: n3 gets no duplicate meanwhile.
        #expect(result.creates == [.init(service: "agent", pinnedNode: "n2", attempt: 1, reason: "replaces b (exited with code 1), attempt 1")])
        #expect(result.removes == ["b"])
        #expect(result.notes.keys.sorted() == ["c"])
    }

    @Test func twoGlobalServicesBothFillANewCluster() {
        let a = F.service("agent", F.spec(mode: .global))
        let b = F.service("logs", F.spec(mode: .global))
        let result = plan([a, b], [])
        #expect(result.creates.filter { $0.service == "agent" }.compactMap(\.pinnedNode) == ["n1", "n2", "n3"])
        #expect(result.creates.filter { $0.service == "logs" }.compactMap(\.pinnedNode) == ["n1", "n2", "n3"])
    }

    // MARK: - Orphans

    @Test func orphansOfDeletedServicesAreStoppedOrRemoved() {
        let containers = [
            F.container("run", service: "gone", node: "n1", state: .running, index: 1),
            F.container("pend", service: "gone", node: nil, state: .pending, index: 2),
            F.container("stopping", service: "gone", node: "n1", state: .running, desired: .stopped, index: 3),
            F.container("ended", service: "gone", node: "n1", state: .exited, desired: .stopped, exitCode: 0, index: 4),
            F.container("starting", service: "gone", node: "n2", state: .starting, index: 5),
            F.container("mine", service: "web", node: "n1", index: 6),
        ]
        let result = plan([F.service(F.spec(replicas: 1))], containers)
        #expect(result.stops == [
            .init(container: "run", reason: "service gone was deleted"),
            .init(container: "starting", reason: "service gone was deleted"),
        ])
        #expect(Set(result.removes) == ["pend", "ended"])
        #expect(result.creates.isEmpty)
    }

    @Test func stoppedEndedReplicasAreRemoved() {
        let containers = [
            F.container("a", index: 1),
            F.container("x", state: .exited, desired: .stopped, exitCode: 0, index: 2),
            F.container("y", state: .failed, desired: .stopped, index: 3),
            F.container("z", node: nil, state: .lost, desired: .stopped, index: 4),
        ]
        let result = plan([F.service(F.spec(replicas: 1))], containers)
        #expect(result.removes == ["x", "y", "z"])
        #expect(result.creates.isEmpty && result.stops.isEmpty)
    }

    @Test func standaloneContainersAreNotTheReconcilersBusiness() {
        let containers = [F.container("s", service: nil, node: "n1", index: 1),
                          F.container("t", service: nil, node: "n1", state: .exited, desired: .stopped, exitCode: 0, index: 2)]
        #expect(plan([], containers).isEmpty)
    }

    // MARK: - Determinism and idempotence

    @Test func samePlanWhateverTheInputOrder() {
        let services = [F.service("web", version: 2, F.spec(replicas: 2, parallelism: 1)), F.service("agent", F.spec(mode: .global)),
                        F.service("db", F.spec(replicas: 5))]
        let containers = Self.mixed.map { c -> ContainerView in var c = c; c.templateVersion = 1; return c } + [
            F.container("g", service: "agent", node: "n2", index: 10, pinned: "n2"),
            F.container("o", service: "gone", node: "n1", index: 11),
        ]
        let one = plan(services, containers)
        #expect(!one.isEmpty)
        #expect(plan(services, containers) == one)
        #expect(plan(services.reversed(), containers.reversed()) == one)
    }

    static func convergenceCluster() -> SimCluster {
        var cluster = SimCluster(now: F.t0)
        cluster.addNode("n1", labels: ["zone": "a"])
        cluster.addNode("n2", labels: ["zone": "b"])
        cluster.addNode("n3", labels: ["zone": "c"])
        cluster.putService("web", F.spec(replicas: 4, parallelism: 2))
        cluster.putService("api", F.spec(replicas: 3, order: .startFirst, placement: Placement(spreadBy: ["node.labels.zone"])))
        cluster.putService("edge", F.spec(replicas: 2, hostPort: 8080, placement: Placement(maxPerNode: 1)))
        cluster.putService("agent", F.spec(mode: .global, constraints: ["node.labels.zone!=c"]))
        // Some history: an orphan, an outdated replica, a crashed one.
        cluster.addContainer(service: "gone", node: "n1", state: .running)
        cluster.addContainer(service: "web", node: "n2", state: .running, version: 0)
        cluster.addContainer(service: "web", node: "n3", state: .exited, exitCode: 1, startedAt: F.at(-2), finishedAt: F.at(-1))
        return cluster
    }

    /// Applying each plan to an in-memory model and planning again reaches a state where the
    /// plan is empty, and stays there.
    @Test func planningAgainAfterApplyingConverges() throws {
        var cluster = Self.convergenceCluster()
        var quiet = 0
        for _ in 0..<30 where quiet < 3 {
            let (lifecycle, services, schedule) = cluster.round()
            quiet = lifecycle.isEmpty && services.isEmpty && schedule.assignments.isEmpty && schedule.unschedulable.isEmpty ? quiet + 1 : 0
            cluster.now += 1
        }
        #expect(quiet == 3, "did not converge")
        #expect(cluster.planServices().isEmpty)
        #expect(cluster.pendingRequests.isEmpty)
        #expect(cluster.running(of: "web", version: cluster.services["web"]!.templateVersion).count == 4)
        #expect(cluster.active(of: "web").count == 4)
        #expect(cluster.running(of: "api").count == 3)
        #expect(cluster.running(of: "edge").count == 2)
        #expect(Set(cluster.running(of: "agent").compactMap(\.node)) == ["n1", "n2"])
        #expect(cluster.active(of: "agent").count == 2)
        #expect(cluster.views.allSatisfy { $0.service != "gone" })

        // Change the template and drain a node: converges again.
        var spec = cluster.services["api"]!.spec
        spec.template.image = "nginx:2"
        cluster.putService("api", spec)
        cluster.nodes["n1"]!.availability = .drain
        quiet = 0
        for _ in 0..<40 where quiet < 3 {
            let (lifecycle, services, schedule) = cluster.round()
            quiet = lifecycle.isEmpty && services.isEmpty && schedule.assignments.isEmpty ? quiet + 1 : 0
            cluster.now += 1
        }
        #expect(quiet == 3, "did not converge after the update")
        #expect(cluster.planServices().isEmpty)
        let api = cluster.services["api"]!
        #expect(cluster.running(of: "api", version: api.templateVersion).count == 3)
        #expect(cluster.active(of: "api").count == 3)
        #expect(cluster.views.allSatisfy { $0.node != "n1" || $0.state.isTerminal })
        #expect(Set(cluster.running(of: "agent").compactMap(\.node)) == ["n2"])
    }
}
