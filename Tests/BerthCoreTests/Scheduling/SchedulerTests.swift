@testable import BerthCore
import BerthTesting
import Testing

@Suite struct SchedulerTests {
    typealias F = SchedFixture
    let scheduler = Scheduler()

    // MARK: - Why a container stays pending

    struct ReasonCase: Sendable, CustomTestStringConvertible {
        var label: String
        var nodes: [NodeState]
        var request: PlacementRequest
        var reason: String
        var testDescription: String { label }
    }

    static let reasonCases: [ReasonCase] = [
        ReasonCase(
            label: "memory and constraint",
            nodes: [
                F.node("m1", memory: 256), F.node("m2", memory: 256, labels: ["disk": "ssd"]), F.node("m3", memory: 300),
                F.node("h1", labels: ["disk": "hdd"]), F.node("h2"),
            ],
            request: F.request("c1", memory: 512, constraints: ["node.labels.disk==ssd"]),
            reason: "0/5 nodes available: 3 insufficient memory (needs 512 MiB), 2 did not match node.labels.disk==ssd"
        ),
        ReasonCase(
            label: "equal counts sort by text",
            nodes: [
                F.node("n1", availability: .drain), F.node("n2", status: .down), F.node("n3", availability: .drain), F.node("n4", status: .down),
            ],
            request: F.request("c1"),
            reason: "0/4 nodes available: 2 node down, 2 node draining"
        ),
        ReasonCase(
            label: "counts sort descending",
            nodes: [
                F.node("n1", availability: .pause), F.node("n2", cpu: 100), F.node("n3", cpu: 100), F.node("n4", ports: [8080]),
                F.node("n5", cpu: 100), F.node("n6", perService: ["web": 1]), F.node("n7", hasSubnet: false),
            ],
            request: F.request("c1", cpu: 500, maxPerNode: 1, hostPorts: [8080]),
            reason: "0/7 nodes available: 3 insufficient cpu (needs 500m), 1 host port 8080 in use, 1 max 1 per node reached, 1 node has no subnet, 1 node paused"
        ),
        // The first failing filter names a node: readiness before resources.
        ReasonCase(
            label: "down and full counts as down",
            nodes: [F.node("n1", memory: 10, status: .down), F.node("n2", memory: 10)],
            request: F.request("c1", memory: 512),
            reason: "0/2 nodes available: 1 insufficient memory (needs 512 MiB), 1 node down"
        ),
        ReasonCase(label: "no nodes", nodes: [], request: F.request("c1"), reason: "0/0 nodes available: no nodes registered"),
        ReasonCase(
            label: "pinned to a full node",
            nodes: [F.node("n1"), F.node("n2", memory: 256), F.node("n3")],
            request: F.request("c1", memory: 512, pinnedNode: "n2"),
            reason: "0/3 nodes available: 1 insufficient memory (needs 512 MiB)"
        ),
        ReasonCase(
            label: "pinned to a down node",
            nodes: [F.node("n1"), F.node("n2", status: .down)],
            request: F.request("c1", pinnedNode: "n2"),
            reason: "0/2 nodes available: 1 node down"
        ),
        ReasonCase(
            label: "pinned to a gone node",
            nodes: [F.node("n1"), F.node("n2"), F.node("n3")],
            request: F.request("c1", pinnedNode: "n9"),
            reason: "0/3 nodes available: node n9 is gone"
        ),
    ]

    @Test(arguments: reasonCases)
    func unschedulableReason(_ c: ReasonCase) {
        var sibling = c.request
        sibling.container = "c2"
        let plan = scheduler.plan(requests: [c.request, sibling], nodes: c.nodes)
        #expect(plan.assignments.isEmpty)
        #expect(plan.unschedulable["c1"] == c.reason)
        // A sibling of the same shape fails the same way.
        #expect(plan.unschedulable["c2"] == c.reason)
    }

    // MARK: - Capacity

    @Test func neverOvercommitsWithinOneBatch() throws {
        let nodes = [F.node("n1", cpu: 1000), F.node("n2", cpu: 1000), F.node("n3", cpu: 1000, allocated: .init(cpu: 200, memory: 0))]
        let plan = scheduler.plan(requests: F.requests(10, cpu: 400), nodes: nodes)
        #expect(plan.perNode == ["n1": 2, "n2": 2, "n3": 2])
        #expect(plan.assignments.count == 6)
        #expect(plan.unschedulable.count == 4)
        #expect(Set(plan.unschedulable.values) == ["0/3 nodes available: 3 insufficient cpu (needs 400m)"])
        // The first requests are the ones placed: order is kept.
        #expect(plan.assignments.map(\.container) == (0..<6).map { "c-\($0)" })
    }

    @Test(arguments: [1, 4, 7, 60, 1000])
    func planningInPartsGivesTheSamePlanAsAllAtOnce(every: Int) {
        var rng = SplitMix64(seed: 42)
        let nodes = (0..<8).map { i in F.node("n\(i)", cpu: 500 * rng.int(in: 1...6), memory: 512 * rng.int(in: 1...6)) }
        let requests = (0..<60).map { i in
            F.request("c\(i)", service: ["a", "b", nil][rng.int(in: 0...2)], cpu: 100 * rng.int(in: 1...9), memory: 128 * rng.int(in: 1...6))
        }
        let whole = scheduler.plan(requests: requests, nodes: nodes)
        var parts: [SchedulePlan] = []
        scheduler.plan(requests: requests, nodes: nodes, every: every) { parts.append($0); return true }
        #expect(parts.count == (60 + every - 1) / every)
        #expect(parts.flatMap(\.assignments) == whole.assignments)
        #expect(parts.reduce(into: [String: String]()) { $0.merge($1.unschedulable) { a, _ in a } } == whole.unschedulable)
        #expect(!whole.unschedulable.isEmpty && !whole.assignments.isEmpty)
        // A consumer that stops early gets no more parts.
        var taken = 0
        scheduler.plan(requests: requests, nodes: nodes, every: 1) { _ in taken += 1; return taken < 3 }
        #expect(taken == 3)
    }

    struct MixCase: Sendable, CustomTestStringConvertible {
        var seed: UInt64
        var strategy: PlacementStrategy
        var testDescription: String { "seed \(seed), \(strategy)" }
    }

    @Test(arguments: TestSeeds.or([1, 2, 3, 4, 5]).flatMap { s in [MixCase(seed: s, strategy: .spread), MixCase(seed: s, strategy: .binpack)] })
    func mixedBatchesFitAndLeaveOnlyWhatCannotFit(_ c: MixCase) {
        var rng = SplitMix64(seed: c.seed)
        let nodes = (0..<6).map { i in
            F.node("n\(i)", cpu: 500 * rng.int(in: 1...6), memory: 512 * rng.int(in: 1...6),
                   allocated: .init(cpu: 100 * rng.int(in: 0...3), memory: 128 * rng.int(in: 0...3)))
        }
        let requests = (0..<60).map { i in
            F.request("c\(i)", service: ["a", "b", nil][rng.int(in: 0...2)], cpu: 100 * rng.int(in: 1...5), memory: 128 * rng.int(in: 1...4),
                      strategy: c.strategy)
        }
        let plan = scheduler.plan(requests: requests, nodes: nodes)
        var used = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0.allocated) })
        let byID = Dictionary(uniqueKeysWithValues: requests.map { ($0.container, $0) })
        for assignment in plan.assignments { used[assignment.node]! = used[assignment.node]! + byID[assignment.container]!.resources }
        for node in nodes {
            #expect(used[node.name]!.cpu <= node.capacity.cpu, "cpu overcommitted on \(node.name)")
            #expect(used[node.name]!.memory <= node.capacity.memory, "memory overcommitted on \(node.name)")
        }
        #expect(plan.assignments.count + plan.unschedulable.count == requests.count)
        // Allocation only grows during a plan, so what did not fit still fits nowhere.
        for id in plan.unschedulable.keys {
            let request = byID[id]!
            for node in nodes {
                #expect(!(node.capacity - used[node.name]!).fits(request.resources), "\(id) would fit on \(node.name)")
            }
        }
    }

    @Test func hostPortsTakenWithinTheBatch() {
        let plan = scheduler.plan(requests: F.requests(3, hostPorts: [8080]), nodes: [F.node("n1"), F.node("n2")])
        #expect(plan.perNode == ["n1": 1, "n2": 1])
        #expect(plan.unschedulable == ["c-2": "0/2 nodes available: 2 host port 8080 in use"])
    }

    // MARK: - Strategies

    @Test func spreadUsesDistinctNodesFirst() {
        let nodes = ["n1", "n2", "n3", "n4"].map { F.node($0) }
        let four = scheduler.plan(requests: F.requests(4), nodes: nodes)
        #expect(Set(four.assignments.map(\.node)).count == 4)
        let eight = scheduler.plan(requests: F.requests(8), nodes: nodes)
        #expect(eight.perNode == ["n1": 2, "n2": 2, "n3": 2, "n4": 2])
        // The first four land on four different nodes.
        #expect(Set(eight.assignments.prefix(4).map(\.node)).count == 4)
    }

    @Test func spreadCountsWhatAlreadyRuns() {
        let nodes = [F.node("n1", perService: ["web": 2]), F.node("n2", perService: ["web": 1]), F.node("n3")]
        let plan = scheduler.plan(requests: F.requests(3), nodes: nodes)
        // Ends 2/2/2: n3 first, then n2 and n3.
        #expect(plan.perNode == ["n2": 1, "n3": 2])
        #expect(plan.assignments.first?.node == "n3")
    }

    @Test func spreadIgnoresOtherServicesButPrefersTheLeastAllocated() {
        let nodes = [
            F.node("n1", allocated: .init(cpu: 3000, memory: 0), perService: ["db": 5]),
            F.node("n2", allocated: .init(cpu: 1000, memory: 0), perService: ["db": 1]),
            F.node("n3", allocated: .init(cpu: 2000, memory: 0)),
        ]
        let plan = scheduler.plan(requests: F.requests(1), nodes: nodes)
        #expect(plan.placement == ["c-0": "n2"])
    }

    @Test func binpackFillsTheMostAllocatedNodeFirst() {
        let nodes = [
            F.node("n1", allocated: .init(cpu: 2000, memory: 0)),
            F.node("n2"),
            F.node("n3", allocated: .init(cpu: 1000, memory: 0)),
        ]
        let plan = scheduler.plan(requests: F.requests(5, cpu: 500, strategy: .binpack), nodes: nodes)
        #expect(plan.assignments.map(\.node) == ["n1", "n1", "n1", "n1", "n3"])
    }

    @Test func binpackStacksEmptyNodesOneAtATime() {
        let nodes = ["n3", "n1", "n2"].map { F.node($0, cpu: 2000) }
        let plan = scheduler.plan(requests: F.requests(6, cpu: 500, strategy: .binpack), nodes: nodes)
        #expect(plan.assignments.map(\.node) == ["n1", "n1", "n1", "n1", "n2", "n2"])
    }

    // MARK: - spreadBy

    static let zonedNodes: [NodeState] = [
        F.node("a1", labels: ["zone": "a"]),
        F.node("b1", labels: ["zone": "b"]), F.node("b2", labels: ["zone": "b"]),
        F.node("c1", labels: ["zone": "c"]), F.node("c2", labels: ["zone": "c"]), F.node("c3", labels: ["zone": "c"]),
    ]

    static func perZone(_ plan: SchedulePlan, _ nodes: [NodeState]) -> [String: Int] {
        let zone = Dictionary(uniqueKeysWithValues: nodes.map { ($0.name, $0.labels["zone"] ?? "") })
        return plan.assignments.reduce(into: [:]) { $0[zone[$1.node]!, default: 0] += 1 }
    }

    @Test func spreadByZoneEvensOutUnequalZones() {
        let plan = scheduler.plan(requests: F.requests(9, spreadBy: ["node.labels.zone"]), nodes: Self.zonedNodes)
        #expect(plan.unschedulable.isEmpty)
        #expect(Self.perZone(plan, Self.zonedNodes) == ["a": 3, "b": 3, "c": 3])
        // Within a zone the strategy still spreads.
        #expect(plan.perNode["c1"] == 1 && plan.perNode["c2"] == 1 && plan.perNode["c3"] == 1)
        #expect(Set([plan.perNode["b1"], plan.perNode["b2"]]) == [1, 2])
        // Every prefix of three is one per zone.
        for start in stride(from: 0, to: 9, by: 3) {
            let batch = SchedulePlan.from(Array(plan.assignments[start..<start + 3]))
            #expect(Self.perZone(batch, Self.zonedNodes) == ["a": 1, "b": 1, "c": 1])
        }
    }

    @Test func spreadByCountsExistingReplicas() {
        var nodes = Self.zonedNodes
        nodes[0].perService = ["web": 3]
        let plan = scheduler.plan(requests: F.requests(6, spreadBy: ["node.labels.zone"]), nodes: nodes)
        #expect(Self.perZone(plan, nodes) == ["b": 3, "c": 3])
    }

    @Test func spreadBySkipsZonesWithoutRoom() {
        var nodes = Self.zonedNodes
        nodes[0].capacity = Resources(cpu: 100, memory: 8192)  // a1 takes one
        let plan = scheduler.plan(requests: F.requests(9, spreadBy: ["node.labels.zone"]), nodes: nodes)
        #expect(plan.unschedulable.isEmpty)
        #expect(Self.perZone(plan, nodes) == ["a": 1, "b": 4, "c": 4])
    }

    @Test func spreadByTreatsUnlabelledNodesAsOneValue() {
        let nodes = [F.node("x1"), F.node("x2"), F.node("a1", labels: ["zone": "a"]), F.node("b1", labels: ["zone": "b"])]
        let plan = scheduler.plan(requests: F.requests(6, spreadBy: ["node.labels.zone"]), nodes: nodes)
        #expect(Self.perZone(plan, nodes) == ["": 2, "a": 2, "b": 2])
    }

    // MARK: - maxPerNode, pinning, preferences

    @Test func maxPerNodeIsRespected() {
        let nodes = ["n1", "n2", "n3"].map { F.node($0) }
        let plan = scheduler.plan(requests: F.requests(5, maxPerNode: 1), nodes: nodes)
        #expect(plan.perNode == ["n1": 1, "n2": 1, "n3": 1])
        #expect(plan.unschedulable == [
            "c-3": "0/3 nodes available: 3 max 1 per node reached",
            "c-4": "0/3 nodes available: 3 max 1 per node reached",
        ])
        let binpack = scheduler.plan(requests: F.requests(7, strategy: .binpack, maxPerNode: 2), nodes: nodes)
        #expect(binpack.perNode == ["n1": 2, "n2": 2, "n3": 2])
        #expect(binpack.unschedulable.count == 1)
    }

    @Test func maxPerNodeCountsOnlyTheService() {
        let nodes = [F.node("n1", perService: ["web": 1, "db": 3]), F.node("n2", perService: ["db": 1])]
        let plan = scheduler.plan(requests: [F.request("c1", service: "db", maxPerNode: 2), F.request("c2", service: "web", maxPerNode: 1)], nodes: nodes)
        #expect(plan.placement == ["c1": "n2", "c2": "n2"])
    }

    @Test func pinnedGoesOnlyToItsNode() {
        let nodes = [F.node("n1"), F.node("n2", allocated: .init(cpu: 3000, memory: 4096), perService: ["web": 4]), F.node("n3")]
        let requests = [F.request("g1", pinnedNode: "n2"), F.request("g2", pinnedNode: "n2"), F.request("g3", pinnedNode: "n3")]
        let plan = scheduler.plan(requests: requests, nodes: nodes)
        #expect(plan.placement == ["g1": "n2", "g2": "n2", "g3": "n3"])
    }

    @Test func preferencesPullTowardMatchingNodes() {
        let nodes = [F.node("n1", labels: ["disk": "hdd"]), F.node("n2", labels: ["disk": "ssd"]), F.node("n3")]
        let plan = scheduler.plan(requests: F.requests(3, preferences: [("node.labels.disk==ssd", 1)]), nodes: nodes)
        #expect(plan.perNode == ["n2": 3])
    }

    @Test func preferencesDoNotBlock() {
        // The ssd node has room for two; the third goes elsewhere.
        let nodes = [F.node("n1", labels: ["disk": "hdd"]), F.node("n2", cpu: 200, labels: ["disk": "ssd"]), F.node("n3")]
        let plan = scheduler.plan(requests: F.requests(3, preferences: [("node.labels.disk==ssd", 1)]), nodes: nodes)
        #expect(plan.unschedulable.isEmpty)
        #expect(plan.perNode["n2"] == 2)
        #expect(plan.assignments.prefix(2).allSatisfy { $0.node == "n2" })
        // No matching node at all: placed anyway.
        let none = scheduler.plan(requests: F.requests(2, preferences: [("node.labels.disk==ssd", 1)]), nodes: [F.node("n1"), F.node("n3")])
        #expect(none.assignments.count == 2)
        #expect(none.unschedulable.isEmpty)
    }

    @Test func heavierPreferenceWins() {
        let nodes = [F.node("n1", labels: ["disk": "ssd"]), F.node("n2", labels: ["gpu": "yes"])]
        let request = F.request("c1", preferences: [("node.labels.disk==ssd", 1), ("node.labels.gpu exists", 3)])
        #expect(scheduler.plan(requests: [request], nodes: nodes).placement == ["c1": "n2"])
    }

    @Test func spreadByOutweighsPreferences() {
        let nodes = [F.node("a1", labels: ["zone": "a", "disk": "ssd"]), F.node("b1", labels: ["zone": "b"])]
        let plan = scheduler.plan(
            requests: F.requests(4, preferences: [("node.labels.disk==ssd", 1)], spreadBy: ["node.labels.zone"]), nodes: nodes
        )
        #expect(plan.perNode == ["a1": 2, "b1": 2])
    }

    // MARK: - Determinism

    static func bigInput(seed: UInt64) -> ([PlacementRequest], [NodeState]) {
        var rng = SplitMix64(seed: seed)
        let zones = ["a", "b", "c"]
        let nodes = (0..<40).map { i in
            F.node("node-\(i)", cpu: 1000 * rng.int(in: 1...8), memory: 1024 * rng.int(in: 1...8),
                   labels: ["zone": zones[rng.int(in: 0...2)], "disk": rng.bool() ? "ssd" : "hdd"],
                   allocated: .init(cpu: 100 * rng.int(in: 0...5), memory: 128 * rng.int(in: 0...5)),
                   availability: rng.int(in: 0...9) == 0 ? .drain : .active)
        }
        let requests = (0..<300).map { i in
            let service = ["web", "api", "db"][i % 3]
            return F.request(
                "c\(i)", service: service, cpu: 100 * rng.int(in: 1...4), memory: 128 * rng.int(in: 1...4),
                constraints: service == "db" ? ["node.labels.disk==ssd"] : [],
                preferences: service == "api" ? [("node.labels.zone==a", 2)] : [],
                strategy: service == "api" ? .binpack : .spread,
                spreadBy: service == "web" ? ["node.labels.zone"] : [],
                maxPerNode: service == "db" ? 3 : 0
            )
        }
        return (requests, nodes)
    }

    @Test(arguments: TestSeeds.or([7, 8, 9]))
    func sameInputSamePlan(seed: UInt64) {
        let (requests, nodes) = Self.bigInput(seed: seed)
        let first = scheduler.plan(requests: requests, nodes: nodes)
        #expect(!first.assignments.isEmpty)
        #expect(first == scheduler.plan(requests: requests, nodes: nodes))
        // The order the nodes are listed in does not matter either.
        #expect(first == scheduler.plan(requests: requests, nodes: nodes.reversed()))
    }

    @Test(arguments: [PlacementStrategy.spread, .binpack])
    func tiesBreakByNodeName(strategy: PlacementStrategy) {
        let nodes = ["c", "a", "d", "b"].map { F.node($0) }
        let plan = scheduler.plan(requests: [F.request("c1", strategy: strategy)], nodes: nodes)
        #expect(plan.placement == ["c1": "a"])
        let standalone = scheduler.plan(requests: [F.request("c1", service: nil, strategy: strategy)], nodes: nodes.reversed())
        #expect(standalone.placement == ["c1": "a"])
    }

    @Test func smallSampleStillPlacesEverythingThatFits() {
        let nodes = (0..<50).map { F.node("n\($0)", cpu: 1000) }
        let plan = Scheduler(sampleSize: 3).plan(requests: F.requests(100, cpu: 500), nodes: nodes)
        #expect(plan.assignments.count == 100)
        #expect(plan.perNode.values.allSatisfy { $0 <= 2 })
    }
}

extension SchedulePlan {
    static func from(_ assignments: [Assignment]) -> SchedulePlan {
        var plan = SchedulePlan()
        plan.assignments = assignments
        return plan
    }
}
