import BerthCore
import Foundation
import Logging
import Testing
@testable import BerthLoadBalancer

/// Answers from a script, one per request, and records the index each request asked for.
/// Once a service's script runs out, requests block until the test cancels the follower.
actor ScriptedSource: TargetsSource {
    struct Failure: Error {}

    private var scripts: [String: [TargetsAnswer?]]  // nil: the request fails
    private(set) var requested: [String: [UInt64]] = [:]

    init(_ scripts: [String: [TargetsAnswer?]]) {
        self.scripts = scripts
    }

    func fetch(service: String, after index: UInt64) async throws -> TargetsAnswer {
        requested[service, default: []].append(index)
        guard var script = scripts[service], !script.isEmpty else {
            try await Task.sleep(for: .seconds(600))  // a long-poll with nothing new; ended by cancellation
            throw CancellationError()
        }
        let next = script.removeFirst()
        scripts[service] = script
        guard let next else { throw Failure() }
        return next
    }
}

/// Records every config it is given and lets the test wait for the n-th one.
actor RecordingApplier: ConfigApplying {
    private(set) var configs: [String] = []
    private var waiters: [(Int, CheckedContinuation<Void, Never>)] = []

    func apply(_ config: String) async -> ApplyOutcome {
        configs.append(config)
        waiters.removeAll { count, continuation in
            guard configs.count >= count else { return false }
            continuation.resume()
            return true
        }
        return .applied(reloaded: true)
    }

    func waitFor(_ count: Int) async {
        if configs.count >= count { return }
        await withCheckedContinuation { waiters.append((count, $0)) }
    }
}

/// Stands in for `Task.sleep`: records the pause and returns at once.
actor SleepRecorder {
    private(set) var pauses: [Duration] = []
    func sleep(_ duration: Duration) { pauses.append(duration) }
}

@Suite struct FollowerTests {
    func found(_ containers: [String], index: UInt64, service: String = "web") -> TargetsAnswer {
        let targets = containers.enumerated().map { Fixtures.target($1, ip: "10.88.1.\($0 + 1)") }
        return TargetsAnswer(targets: Fixtures.service(service, targets).targets, index: index)
    }

    func follower(_ services: [String], _ source: ScriptedSource, _ applier: RecordingApplier, _ sleeps: SleepRecorder) -> TargetsFollower {
        TargetsFollower(
            services: services, renderer: NginxRenderer(listen: "127.0.0.1:8081"), source: source, applier: applier,
            logger: Logger(label: "test"), sleep: { await sleeps.sleep($0) }
        )
    }

    @Test func rendersAndAppliesOnlyWhenTargetsChange() async throws {
        // Given a service that appears, repeats itself, fails twice, grows, repeats, and grows again
        let source = ScriptedSource(["web": [
            TargetsAnswer(targets: nil, index: 3),  // 404: not created yet
            found(["c1"], index: 5),
            found(["c1"], index: 6),                // a blocking query that woke without a change
            nil, nil,                               // two failed requests
            found(["c1", "c2"], index: 9),
            found(["c1", "c2"], index: 9),          // the index did not move
            found(["c1", "c2", "c3"], index: 12),
        ]])
        let applier = RecordingApplier()
        let sleeps = SleepRecorder()
        let task = Task { try await follower(["web"], source, applier, sleeps).run() }

        // When the follower has applied the last change
        await applier.waitFor(4)
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }

        // Then it applied once per change, never for the repeats
        let configs = await applier.configs
        #expect(configs.count == 4)
        #expect(configs[0].contains("# web: not found (index 3)") && configs[0].contains("server 127.0.0.1:1 down;"))
        #expect(configs[1].contains("# web: index 5, 1 target,"))
        #expect(configs[2].contains("# web: index 9, 2 targets,"))
        #expect(configs[3].contains("# web: index 12, 3 targets,"))
        #expect(configs[3].components(separatedBy: "max_fails=1").count - 1 == 3)
        // and paced itself: 404 back-off, error back-off, a pause when the index stood still
        #expect(await sleeps.pauses == [.milliseconds(1500), .milliseconds(250), .milliseconds(500), .seconds(1)])
        let requested = await source.requested["web"] ?? []
        #expect(Array(requested.prefix(8)) == [0, 0, 5, 6, 6, 6, 9, 9])
    }

    @Test func firstRenderWaitsForEveryService() async throws {
        let source = ScriptedSource([
            "web": [found(["w1"], index: 5)],
            "api": [found(["a1"], index: 5, service: "api")],
        ])
        let applier = RecordingApplier()
        let task = Task { try await follower(["web", "api"], source, applier, SleepRecorder()).run() }
        await applier.waitFor(1)
        task.cancel()
        _ = try? await task.value

        let first = await applier.configs[0]
        #expect(first.contains("upstream berth_web {") && first.contains("upstream berth_api {"))
        #expect(first.contains("location /api/"))
    }

    @Test func runOnceReadsEachServiceWithoutBlocking() async throws {
        let source = ScriptedSource(["web": [found(["w1"], index: 5)], "ghost": [TargetsAnswer(targets: nil, index: 5)]])
        let applier = RecordingApplier()
        let outcome = try await follower(["web", "ghost"], source, applier, SleepRecorder()).runOnce()
        #expect(outcome == .applied(reloaded: true))
        #expect(await source.requested == ["web": [0], "ghost": [0]])
        #expect(await applier.configs.count == 1)
    }

    @Test func runOnceFailsWhenTheServerCannotBeRead() async {
        let source = ScriptedSource(["web": [nil]])
        await #expect(throws: ScriptedSource.Failure.self) {
            try await follower(["web"], source, RecordingApplier(), SleepRecorder()).runOnce()
        }
    }
}

@Suite struct FollowerStateTests {
    @Test func repeatsAreNotChangesAndKeepTheirIndex() {
        var state = FollowerState(services: ["web", "api"])
        func record(_ targets: ServiceTargets?, _ index: UInt64, _ service: String) -> Bool {
            state.record(TargetsAnswer(targets: targets, index: index), for: service)
        }
        let targets = Fixtures.service("web", [Fixtures.target("c1", ip: "10.0.0.1")]).targets
        #expect(record(targets, 5, "web"))
        #expect(!state.isComplete)
        #expect(!record(targets, 8, "web"))
        #expect(state.snapshot.map(\.index) == [5])

        #expect(record(nil, 9, "api"))
        #expect(!record(nil, 10, "api"))
        #expect(state.isComplete)
        #expect(state.snapshot.map(\.name) == ["web", "api"])
        #expect(state.summary == "web=1 api=missing")
    }

    @Test func policyOnlyChangesAreNotChanges() throws {
        var state = FollowerState(services: ["web"])
        func record(_ targets: ServiceTargets, _ index: UInt64) -> Bool {
            state.record(TargetsAnswer(targets: targets, index: index), for: "web")
        }
        var targets = try #require(Fixtures.service("web", [Fixtures.target("c1", ip: "10.0.0.1")]).targets)
        #expect(record(targets, 5))
        // An unhealthy replica started (a member, no target), and a rule was added.
        targets.members = [ServiceTargets.Member(container: "c2", ip: "10.0.0.2", node: "node-1")]
        targets.ingress = [IngressRule(from: [.service("api")], ports: [IngressRule.Port(port: 8080)])]
        #expect(!record(targets, 9))
        #expect(state.snapshot.map(\.index) == [5])
        // The algorithm is rendered: a change.
        targets.loadBalancer.algorithm = .sourceHash
        #expect(record(targets, 12))
    }
}

@Suite struct PollScheduleTests {
    @Test func errorBackoffDoublesUpToFiveSecondsAndResets() {
        var schedule = PollSchedule()
        let delays = (1...7).map { _ in schedule.nextAfterError() }
        #expect(delays == [.milliseconds(250), .milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(5), .seconds(5)])
        let targets = Fixtures.service("web", []).targets
        let afterAnswer = schedule.next(after: TargetsAnswer(targets: targets, index: 4))
        #expect(afterAnswer == .zero)
        #expect(schedule.errors == 0)
        let afterError = schedule.nextAfterError()
        #expect(afterError == .milliseconds(250))
    }

    @Test func indexRules() {
        var schedule = PollSchedule()
        let targets = Fixtures.service("web", []).targets
        func next(_ targets: ServiceTargets?, _ index: UInt64) -> Duration {
            schedule.next(after: TargetsAnswer(targets: targets, index: index))
        }
        #expect(next(targets, 10) == .zero)
        #expect(schedule.index == 10)
        #expect(next(targets, 10) == .seconds(1))
        #expect(next(targets, 4) == .seconds(1))  // went backwards
        #expect(schedule.index == 0)
        #expect(next(targets, 4) == .zero)
        #expect(next(nil, 12) == .milliseconds(1500))
        #expect(schedule.index == 0)  // a missing service is read again at once, not blocked on
    }
}

@Suite struct TargetsDecodingTests {
    @Test func decodesTheSpecShape() throws {
        let json = """
            {"service":"web","vip":"10.96.0.10","ports":[{"name":"http","port":80,"targetPort":8080,"protocol":"tcp"}],
             "loadBalancer":{"algorithm":"leastConn"},
             "targets":[{"container":"3f9a0c2d7b1e4a65","node":"n1","ip":null,"port":8080,"hostAddress":"192.168.1.21","hostPort":31001}],
             "healthy":1}
            """
        let targets = try JSONDecoder().decode(ServiceTargets.self, from: Data(json.utf8))
        let service = BalancedService(WatchedService(name: "web", targets: targets, index: 1))
        #expect(service.algorithm == .leastConn)
        #expect(service.servers == [BalancedService.Server(name: "3f9a0c2d7b1e4a65", address: "192.168.1.21:31001")])
        #expect(targets.members == nil && targets.ingress.isEmpty, "absent from older servers")
    }

    @Test func decodesPolicyFieldsAndAffinity() throws {
        let json = """
            {"service":"db","vip":"10.96.0.11","ports":[],"loadBalancer":{"algorithm":"sourceHash","affinityTimeout":"30m"},
             "ingress":[{"from":[{"service":"api"},{"cidr":"10.0.0.0/8"}],"ports":[{"port":5432,"protocol":"tcp"}]}],
             "targets":[],"healthy":0,"members":[{"container":"3f9a0c2d7b1e4a65","ip":"10.88.0.2","node":"n1"}]}
            """
        let targets = try JSONDecoder().decode(ServiceTargets.self, from: Data(json.utf8))
        #expect(targets.loadBalancer == LoadBalancer(algorithm: .sourceHash, affinityTimeout: .seconds(1800)))
        #expect(targets.ingress == [IngressRule(from: [.service("api"), .cidr(CIDR("10.0.0.0/8")!)], ports: [IngressRule.Port(port: 5432)])])
        #expect(targets.members == [ServiceTargets.Member(container: "3f9a0c2d7b1e4a65", ip: "10.88.0.2", node: "n1")])
    }
}
