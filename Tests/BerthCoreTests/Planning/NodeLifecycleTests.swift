@testable import BerthCore
import Foundation
import Testing

@Suite struct NodeLifecycleTests {
    typealias F = RecFixture
    let lifecycle = NodeLifecycle(timeout: .seconds(15))

    func health(_ name: String, status: NodeStatus = .ready, availability: Availability = .active, lastHeartbeat: Date?) -> NodeLifecycle.NodeHealth {
        .init(name: name, status: status, availability: availability, lastHeartbeat: lastHeartbeat)
    }

    struct TimeoutCase: Sendable, CustomTestStringConvertible {
        var silence: TimeInterval?
        var down: Bool
        var testDescription: String { "silent \(silence.map { "\($0)s" } ?? "forever") -> \(down ? "down" : "ready")" }
    }

    @Test(arguments: [
        TimeoutCase(silence: 0, down: false),
        TimeoutCase(silence: 14.999, down: false),
        TimeoutCase(silence: 15, down: true),
        TimeoutCase(silence: 600, down: true),
        TimeoutCase(silence: nil, down: true),
    ])
    func silentNodeGoesDown(_ c: TimeoutCase) {
        let now = F.at(1000)
        let plan = lifecycle.plan(nodes: [health("n1", lastHeartbeat: c.silence.map { now.addingTimeInterval(-$0) })], containers: [], now: now)
        #expect(plan.markDown == (c.down ? ["n1"] : []))
        #expect(plan.wakeAt == (c.down ? nil : now.addingTimeInterval(-(c.silence ?? 0)).addingTimeInterval(15)))
    }

    @Test func downNodeLosesWhatItRan() {
        let now = F.at(100)
        let nodes = [health("n1", lastHeartbeat: F.at(80)), health("n2", lastHeartbeat: F.at(99))]
        let containers = [
            F.container("run", node: "n1", state: .running, index: 1),
            F.container("sched", node: "n1", state: .scheduled, index: 2),
            F.container("stopping", service: nil, node: "n1", state: .running, desired: .stopped, index: 3),
            F.container("ended", node: "n1", state: .exited, exitCode: 0, index: 4),
            F.container("lostAlready", node: "n1", state: .lost, desired: .stopped, index: 5),
            F.container("pending", node: nil, state: .pending, index: 6),
            F.container("elsewhere", node: "n2", state: .running, index: 7),
        ]
        let plan = lifecycle.plan(nodes: nodes, containers: containers, now: now)
        #expect(plan.markDown == ["n1"])
        let reason = "node n1 is down (no heartbeat for 15s)"
        #expect(plan.lose == ["run": reason, "sched": reason, "stopping": reason])
        #expect(plan.stop.isEmpty)
        #expect(plan.wakeAt == F.at(99 + 15))
    }

    @Test func alreadyDownNodeStillLosesLeftovers() {
        // Down already (marked in an earlier pass) but a container there is not terminal yet.
        let nodes = [health("n1", status: .down, lastHeartbeat: F.at(0))]
        let plan = lifecycle.plan(nodes: nodes, containers: [F.container("x", node: "n1", index: 1)], now: F.at(100))
        #expect(plan.markDown.isEmpty)
        #expect(plan.lose.keys.sorted() == ["x"])
        #expect(plan.wakeAt == nil)
    }

    @Test func wakeAtIsTheEarliestDeadline() {
        let now = F.at(100)
        let nodes = [
            health("n1", lastHeartbeat: F.at(95)),
            health("n2", lastHeartbeat: F.at(90)),
            health("n3", lastHeartbeat: F.at(99)),
            health("n4", status: .down, lastHeartbeat: F.at(1)),  // down nodes do not time out again
            health("n5", lastHeartbeat: F.at(10)),               // times out now
        ]
        let plan = lifecycle.plan(nodes: nodes, containers: [], now: now)
        #expect(plan.wakeAt == F.at(105))
        #expect(plan.markDown == ["n5"])
        #expect(!plan.isEmpty)
    }

    @Test func markDownIsSortedByName() {
        let nodes = ["n3", "n1", "n2"].map { health($0, lastHeartbeat: nil) }
        #expect(lifecycle.plan(nodes: nodes, containers: [], now: F.t0).markDown == ["n1", "n2", "n3"])
    }

    @Test func healthyClusterHasAnEmptyPlan() {
        let plan = lifecycle.plan(nodes: [health("n1", lastHeartbeat: F.at(10))], containers: [F.container("x", node: "n1", index: 1)], now: F.at(12))
        #expect(plan.isEmpty)
        #expect(plan.wakeAt == F.at(25))
    }

    @Test func standaloneContainersOnDrainingNodesAreStopped() {
        let now = F.at(100)
        let nodes = [
            health("n1", availability: .drain, lastHeartbeat: now),
            health("n2", availability: .pause, lastHeartbeat: now),
            health("n3", status: .down, availability: .drain, lastHeartbeat: F.at(0)),
        ]
        let containers = [
            F.container("solo", service: nil, node: "n1", state: .running, index: 1),
            F.container("soloStarting", service: nil, node: "n1", state: .scheduled, index: 2),
            F.container("soloStopping", service: nil, node: "n1", state: .running, desired: .stopped, index: 3),
            F.container("soloEnded", service: nil, node: "n1", state: .exited, exitCode: 0, index: 4),
            F.container("replica", service: "web", node: "n1", state: .running, index: 5),
            F.container("soloPaused", service: nil, node: "n2", state: .running, index: 6),
            F.container("soloOnDown", service: nil, node: "n3", state: .running, index: 7),
        ]
        let plan = lifecycle.plan(nodes: nodes, containers: containers, now: now)
        #expect(plan.stop == ["solo": "node n1 is draining", "soloStarting": "node n1 is draining"])
        // On a node that is down as well, the container is lost rather than stopped.
        #expect(plan.lose.keys.sorted() == ["soloOnDown"])
    }

    @Test func customTimeout() {
        let plan = NodeLifecycle(timeout: .seconds(60)).plan(
            nodes: [health("n1", lastHeartbeat: F.at(0))], containers: [F.container("x", node: "n1", index: 1)], now: F.at(60)
        )
        #expect(plan.markDown == ["n1"])
        #expect(plan.lose == ["x": "node n1 is down (no heartbeat for 1m)"])
    }

    /// Applying the plan to the model and planning again gives an empty plan.
    @Test func planningAgainAfterApplyingIsQuiet() {
        var cluster = SimCluster(now: F.t0)
        cluster.addNode("n1")
        cluster.addNode("n2", labels: [:])
        cluster.nodes["n2"]!.availability = .drain
        cluster.addContainer(service: nil, node: "n1", state: .running)
        cluster.addContainer(service: nil, node: "n2", state: .running)
        cluster.nodes["n1"]!.alive = false
        cluster.now = F.at(20)
        cluster.heartbeat()
        let first = cluster.planLifecycle()
        #expect(first.markDown == ["n1"])
        #expect(first.lose.count == 1 && first.stop.count == 1)
        cluster.apply(first)
        #expect(cluster.planLifecycle().isEmpty)
        #expect(cluster.views.allSatisfy { $0.node != "n1" || $0.state == .lost })
    }
}
