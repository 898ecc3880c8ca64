import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct ServiceControllerTests {
    typealias H = ControllerHarness

    @Test func crashedReplicaIsRestartedAfterItsBackoff() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("web", ServiceSpec(replicas: 1, template: ContainerTemplate(image: "nginx:1", restartPolicy: .onFailure)))
            let start = Date(timeIntervalSince1970: 1_000_000)
            try await h.reconcile(now: start)
            try await h.startAll()
            let first = try #require(try await h.containers(service: "web").first)
            try await h.report(first.id, StatusReport(state: .exited, exitCode: 3))
            let finished = try #require(try await h.containers(service: "web").first?.finishedAt)

            // Halfway through the 0.1 s backoff: the wait is noted, and the loop told when to wake.
            let early = try await h.services(now: finished.addingTimeInterval(0.05)).pass()
            #expect(early.wakeAt == finished.addingTimeInterval(0.1))
            let waiting = try await h.containers(service: "web")
            #expect(waiting.map(\.id) == [first.id])
            #expect(waiting.first?.reason == "exited with code 3; restart attempt 1 after 0.1s backoff")

            // Once it has run out: the ended replica goes and a new attempt is made and placed.
            let due = try await h.services(now: finished.addingTimeInterval(0.1)).pass()
            #expect(due.wakeAt == nil)
            let replaced = try await h.containers(service: "web")
            #expect(replaced.count == 1)
            let next = try #require(replaced.first)
            #expect(next.id != first.id)
            #expect(next.attempt == 1)
            #expect(next.state == .pending)
            #expect(next.reason == "replaces \(first.id) (exited with code 3), attempt 1")
            #expect(try await h.scheduler().pass() == 1)

            // A clean exit under on-failure is final.
            try await h.startAll()
            try await h.report(next.id, StatusReport(state: .exited, exitCode: 0))
            _ = try await h.services(now: finished.addingTimeInterval(3600)).pass()
            #expect(try await h.containers(service: "web").map(\.id) == [next.id])
        }
    }

    @Test func scaleDownAndDeletionStopWhatRuns() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            let now = Date(timeIntervalSince1970: 1_000_000)
            var spec = ServiceSpec(replicas: 3, template: ContainerTemplate(image: "nginx:1"))
            try await h.putService("web", spec)
            try await h.reconcile(now: now)
            try await h.startAll()
            spec.replicas = 1
            try await h.putService("web", spec)
            _ = try await h.services(now: now).pass()
            let containers = try await h.containers(service: "web")
            #expect(containers.filter { $0.desiredState == .running }.count == 1)
            #expect(containers.filter { $0.desiredState == .stopped }.allSatisfy { $0.reason == "scaled down to 1" })
            // The agent stops them; the next pass removes what ended.
            for c in containers where c.desiredState == .stopped { try await h.report(c.id, StatusReport(state: .exited, exitCode: 0)) }
            _ = try await h.services(now: now).pass()
            #expect(try await h.containers(service: "web").count == 1)
            #expect(try await h.nodes()["n1"]?.allocated == Resources(cpu: 100, memory: 64))
        }
    }
}
