import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct NodeLifecycleControllerTests {
    typealias H = ControllerHarness
    /// Far beyond the wall clock of any heartbeat the store records.
    static let now = Date(timeIntervalSince1970: 4_000_000_000)

    @Test func silentNodeGoesDownAndItsReplicasMoveElsewhere() async throws {
        try await H.with { h in
            for i in 1...3 { try await h.addNode("n\(i)", address: "192.168.0.\(i)") }
            let spec = ServiceSpec(replicas: 3, template: ContainerTemplate(image: "nginx:1", ports: [ContainerPort(name: "http", containerPort: 80)]))
            try await h.putService("web", spec)
            try await h.reconcile(now: Self.now)
            try await h.startAll()
            let before = try await h.containers(service: "web")
            #expect(before.map(\.node).compactMap { $0 }.sorted() == ["n1", "n2", "n3"])
            let victim = try #require(before.first { $0.node == "n1" })
            #expect(try await h.leases(owner: victim.id).count == 1)

            // n2 and n3 heartbeat just now; n1 last did when it registered, long ago by `now`.
            try await h.sql("UPDATE nodes SET last_heartbeat = ? WHERE name != 'n1'", [Self.now.addingTimeInterval(-1).timeIntervalSince1970])
            let outcome = try await h.lifecycle(timeout: .seconds(15), now: Self.now).pass()
            #expect(outcome.wakeAt == Self.now.addingTimeInterval(14))

            let nodes = try await h.nodes()
            #expect(nodes["n1"]?.status == .down)
            #expect(nodes["n2"]?.status == .ready && nodes["n3"]?.status == .ready)
            #expect(nodes["n1"]?.allocated == .zero)
            let lost = try #require(try await h.containers(service: "web").first { $0.id == victim.id })
            #expect(lost.state == .lost)
            #expect(lost.desiredState == .stopped)
            #expect(lost.reason == "node n1 is down (no heartbeat for 15s)")
            #expect(lost.ip == nil)
            #expect(try await h.leases(owner: victim.id).isEmpty)
            #expect(!(try await h.targets("web")).targets.contains { $0.container == victim.id })

            // A second pass has nothing left to do.
            _ = try await h.lifecycle(timeout: .seconds(15), now: Self.now).pass()
            #expect(try await h.nodes()["n1"]?.modifyIndex == nodes["n1"]?.modifyIndex)

            // The service and scheduler passes replace it on the nodes still up.
            #expect(try await h.reconcile(now: Self.now) == 1)
            let after = try await h.containers(service: "web")
            let wanted = after.filter { $0.desiredState == .running }
            #expect(wanted.count == 3)
            let replacement = try #require(wanted.first { !before.map(\.id).contains($0.id) })
            let node = try #require(replacement.node)
            #expect(["n2", "n3"].contains(node))
            let subnet = try #require(nodes[node]?.subnet.flatMap { CIDR($0) })
            let ip = try #require(replacement.ip.flatMap { IPv4Address($0) })
            #expect(subnet.contains(ip))
            try await h.startAll()
            #expect(try await h.containers(service: "web").filter { $0.state == .running }.count == 3)
            #expect(try await h.repair().pass() == [])
        }
    }

    @Test func heartbeatingNodesStayReady() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            let registered = try #require(try await h.nodes()["n1"]?.lastHeartbeat)
            // Just inside the timeout by the injected clock.
            let outcome = try await h.lifecycle(timeout: .seconds(15), now: registered.addingTimeInterval(14)).pass()
            #expect(try await h.nodes()["n1"]?.status == .ready)
            #expect(outcome.wakeAt == registered.addingTimeInterval(15))
            _ = try await h.lifecycle(timeout: .seconds(15), now: registered.addingTimeInterval(15)).pass()
            #expect(try await h.nodes()["n1"]?.status == .down)
        }
    }

    @Test func standaloneContainersOnADrainingNodeAreStopped() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            let created = try await h.store.write { tx in
                try ContainerRepository.create(tx, spec: ContainerSpec(name: "solo", template: ContainerTemplate(image: "redis:7"))).id
            }
            #expect(try await h.scheduler().pass() == 1)
            try await h.startAll()
            let registered = try #require(try await h.nodes()["n1"]?.lastHeartbeat)
            _ = try await h.store.write { tx in
                try NodeRepository.put(tx, name: "n1", spec: NodeSpec(address: "192.168.0.1", capacity: Resources(cpu: 4000, memory: 8192), availability: .drain)).created
            }
            _ = try await h.lifecycle(now: registered.addingTimeInterval(1)).pass()
            let solo = try #require(try await h.containers().first { $0.id == created })
            #expect(solo.desiredState == .stopped)
            #expect(solo.reason == "node n1 is draining")
            #expect(solo.state == .running)  // until its agent stops it
        }
    }
}
