import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct TargetsTests {
    typealias H = ControllerHarness
    static let now = Date(timeIntervalSince1970: 1_000_000)

    static let spec = ServiceSpec(
        replicas: 2,
        template: ContainerTemplate(image: "nginx:1", ports: [ContainerPort(name: "http", containerPort: 8080)]),
        ports: [ServicePort(port: 80, targetPort: 8080)]
    )

    @Test func targetsFollowRunningHealthyContainers() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.addNode("n2", address: "192.168.0.2")
            try await h.putService("web", Self.spec)
            try await h.reconcile(now: Self.now)
            let containers = try await h.containers(service: "web")
            #expect(containers.count == 2)
            let initial = try await h.targets("web")
            #expect(initial.targets.isEmpty)
            #expect(initial.vip != nil)

            let (a, b) = (containers[0], containers[1])
            try await h.report(a.id, StatusReport(state: .running, healthy: true))
            var targets = try await h.targets("web")
            #expect(targets.targets == [ServiceTargets.Target(
                container: a.id, node: try #require(a.node), ip: a.ip, port: 8080,
                hostAddress: a.node == "n1" ? "192.168.0.1" : "192.168.0.2", hostPort: nil
            )])
            #expect(targets.healthy == 1)

            try await h.report(b.id, StatusReport(state: .running, healthy: true))
            #expect(try await h.targets("web").targets.map(\.container).sorted() == [a.id, b.id].sorted())

            // Unhealthy: out; healthy again: back.
            try await h.report(b.id, StatusReport(state: .running, healthy: false))
            #expect(try await h.targets("web").targets.map(\.container) == [a.id])
            try await h.report(b.id, StatusReport(state: .running, healthy: true))
            #expect(try await h.targets("web").targets.count == 2)

            // Exit: out, and its address is released.
            try await h.report(a.id, StatusReport(state: .exited, exitCode: 1))
            targets = try await h.targets("web")
            #expect(targets.targets.map(\.container) == [b.id])
            #expect(try await h.leases(owner: a.id).isEmpty)

            // Scaled down: the stopped replica leaves the targets before it even exits.
            try await h.putService("web", { var s = Self.spec; s.replicas = 0; return s }())
            _ = try await h.services(now: Self.now.addingTimeInterval(60)).pass()
            #expect(try await h.targets("web").targets.isEmpty)
            #expect(try await h.containers(service: "web").allSatisfy { $0.desiredState == .stopped || $0.state.isTerminal })
        }
    }

    /// Deleting a running replica removes its target rows by cascade; the targets still log a
    /// change (watchers of the targets, and the DNS zone, follow those events).
    @Test func deletingATargetLogsATargetEvent() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("web", { var s = Self.spec; s.replicas = 1; return s }())
            try await h.reconcile(now: Self.now)
            let id = try #require(try await h.containers(service: "web").first?.id)
            try await h.report(id, StatusReport(state: .running, healthy: true))
            #expect(try await h.targets("web").targets.count == 1)
            let before = h.store.hub.current
            _ = try await h.store.write { tx in try ContainerRepository.delete(tx, id: id) }
            let events = try await h.store.read { reader in try reader.events(after: before, limit: 100, kinds: [.target], node: nil) }.value.events
            #expect(events.map(\.name) == ["web"])
            #expect(try await h.targets("web").targets.isEmpty)
        }
    }
}
