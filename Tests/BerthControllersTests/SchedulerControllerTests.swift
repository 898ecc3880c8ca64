import BerthControllers
import BerthCore
import BerthStore
import Foundation
import GRDB
import Testing

@Suite struct SchedulerControllerTests {
    typealias H = ControllerHarness
    static let now = Date(timeIntervalSince1970: 1_000_000)

    static func spec(replicas: Int, cpu: Int = 100, memory: Int = 64, ports: [ContainerPort] = [], servicePorts: [ServicePort] = []) -> ServiceSpec {
        ServiceSpec(replicas: replicas, template: ContainerTemplate(image: "nginx:1", resources: Resources(cpu: cpu, memory: memory), ports: ports),
                    ports: servicePorts)
    }

    @Test func replicasAreCreatedAndPlacedWithAddressesFromTheirNodesSubnets() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.addNode("n2", address: "192.168.0.2")
            try await h.addNode("n3", address: "192.168.0.3")
            try await h.putService("web", Self.spec(replicas: 5))

            let outcome = try await h.services(now: Self.now).pass()
            #expect(outcome.wakeAt == nil)
            let created = try await h.containers(service: "web")
            #expect(created.count == 5)
            #expect(created.allSatisfy { $0.state == .pending && $0.node == nil && $0.ip == nil && $0.reason == "waiting for the scheduler" })

            #expect(try await h.scheduler().pass() == 5)
            let nodes = try await h.nodes()
            let placed = try await h.containers(service: "web")
            #expect(placed.allSatisfy { $0.state == .scheduled && $0.reason == nil })
            // Spread: 2/2/1.
            let perNode = placed.reduce(into: [String: Int]()) { $0[$1.node ?? "-", default: 0] += 1 }
            #expect(perNode.values.sorted() == [1, 2, 2])
            for container in placed {
                let node = try #require(container.node.flatMap { nodes[$0] })
                let subnet = try #require(node.subnet.flatMap { CIDR($0) })
                let ip = try #require(container.ip.flatMap { IPv4Address($0) })
                #expect(subnet.contains(ip), "\(ip) is not in \(node.name)'s \(subnet)")
                // Not the network address and not the gateway.
                #expect(ip.value > subnet.network.value + 1)
                let leases = try await h.leases(owner: container.id)
                #expect(leases.map(\.ip) == [container.ip])
                #expect(leases.first?.node == node.name)
            }
            #expect(Set(placed.compactMap(\.ip)).count == 5)
            // Subnets differ per node.
            #expect(Set(nodes.values.compactMap(\.subnet)).count == 3)
            // The node's allocation is the sum of its containers' requests.
            for (name, node) in nodes {
                #expect(node.allocated == Resources(cpu: 100 * (perNode[name] ?? 0), memory: 64 * (perNode[name] ?? 0)))
            }
            // Converged: nothing more to do, and nothing for IPAM repair to mend.
            #expect(try await h.scheduler().pass() == 0)
            _ = try await h.services(now: Self.now).pass()
            #expect(try await h.containers(service: "web").count == 5)
            #expect(try await h.repair().pass() == [])
        }
    }

    @Test func aPassCommittedInSmallChunksPlacesEveryoneAtDistinctAddresses() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.addNode("n2", address: "192.168.0.2")
            try await h.putService("web", Self.spec(replicas: 11))
            _ = try await h.services(now: Self.now).pass()
            // Six chunks of two: each chunk's transaction sees the addresses the earlier ones took.
            #expect(try await SchedulerController(state: ClusterState(store: h.store), chunk: 2, logger: H.quiet).pass() == 11)
            let placed = try await h.containers(service: "web")
            #expect(placed.allSatisfy { $0.state == .scheduled && $0.ip != nil })
            #expect(Set(placed.compactMap(\.ip)).count == 11)
            #expect(try await h.leases().filter { $0.ownerKind == .container }.count == 11)
            #expect(try await h.repair().pass() == [])
        }
    }

    @Test func theAddressBookSeesLeasesOtherWritersMadeBetweenChunks() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("web", Self.spec(replicas: 2))
            _ = try await h.services(now: Self.now).pass()
            let ids = try await h.containers(service: "web").map(\.id).sorted()
            let subnet = try #require(try await h.nodes()["n1"]?.subnet.flatMap { CIDR($0) })
            let address = { (offset: UInt32) in IPv4Address(subnet.network.value + offset).description }

            let first = try await h.store.write { tx in
                try PendingPlacements.apply(tx, [SchedulePlan.Assignment(container: ids[0], node: "n1")])
            }
            #expect(first.placed == 1)
            #expect(try await h.leases(owner: ids[0]).map(\.ip) == [address(2)])
            // Between the chunks, someone else leases the next free address on the node.
            try await h.sql("""
                INSERT INTO leases (network, ip, owner_kind, owner, node, create_index)
                VALUES ('default', ?, 'container', 'elsewhere', 'n1', (SELECT current FROM cluster_index) + 1)
                """, [address(3)])
            let book = first.addresses
            let second = try await h.store.write { tx in
                try PendingPlacements.apply(tx, [SchedulePlan.Assignment(container: ids[1], node: "n1")], addresses: book)
            }
            #expect(second.placed == 1)
            #expect(try await h.leases(owner: ids[1]).map(\.ip) == [address(4)])
        }
    }

    /// The scheduler's free lists start from the in-memory state, which knows nothing of a lease
    /// made behind the store's back: placing on that address is refused by the lease's key, and
    /// the container gets the next free one instead of failing the pass.
    @Test func anAddressLeakedBehindTheStoresBackIsSkippedNotFatal() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("web", Self.spec(replicas: 3))
            let scheduler = h.scheduler()
            _ = try await h.services(now: Self.now).pass()
            _ = try await scheduler.pass()  // the state is built; the replicas take .2, .3, .4
            let subnet = try #require(try await h.nodes()["n1"]?.subnet.flatMap { CIDR($0) })
            let address = { (offset: UInt32) in IPv4Address(subnet.network.value + offset).description }
            #expect(Set(try await h.containers(service: "web").compactMap(\.ip)) == [address(2), address(3), address(4)])
            try await h.sql("""
                INSERT INTO leases (network, ip, owner_kind, owner, node, create_index)
                VALUES ('default', ?, 'container', 'leaked', 'n1', 1)
                """, [address(5)])
            try await h.putService("web", Self.spec(replicas: 5))
            _ = try await h.services(now: Self.now).pass()
            #expect(try await scheduler.pass() == 2)
            #expect(Set(try await h.containers(service: "web").compactMap(\.ip)) == [address(2), address(3), address(4), address(6), address(7)])
            #expect(try await h.leases(owner: "leaked").map(\.ip) == [address(5)])
        }
    }

    @Test func unschedulableReplicasSayWhy() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1", cpu: 1000)
            try await h.addNode("n2", address: "192.168.0.2", cpu: 1000, memory: 256)
            try await h.putService("big", Self.spec(replicas: 3, cpu: 600, memory: 512))
            try await h.reconcile(now: Self.now)
            let containers = try await h.containers(service: "big")
            let placed = containers.filter { $0.node != nil }
            let pending = containers.filter { $0.node == nil }
            #expect(placed.map(\.node) == ["n1"])
            #expect(pending.count == 2)
            #expect(pending.allSatisfy {
                $0.state == .pending && $0.reason == "0/2 nodes available: 1 insufficient cpu (needs 600m), 1 insufficient memory (needs 512 MiB)"
            })
        }
    }

    @Test func capacityTriggersRefuseAnOvercommitWhoeverWritesIt() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1", cpu: 1000, memory: 1024)
            try await h.putService("big", Self.spec(replicas: 2, cpu: 600, memory: 128))
            try await h.reconcile(now: Self.now)
            let containers = try await h.containers(service: "big")
            let placed = try #require(containers.first { $0.node == "n1" })
            let pending = try #require(containers.first { $0.node == nil })

            // Force the second one onto the full node behind the scheduler's back.
            try await Self.expectCapacityRefusal(h, "UPDATE containers SET node = 'n1', state = 'scheduled' WHERE id = ?", [pending.id])
            try await Self.expectCapacityRefusal(h, "UPDATE containers SET node = 'n1', state = 'running' WHERE id = ?", [pending.id])
            // Growing a placed container past the node's room is refused too.
            try await Self.expectCapacityRefusal(h, "UPDATE containers SET cpu = 1200 WHERE id = ?", [placed.id])
            // So is a row inserted straight onto the node.
            let insert = """
                INSERT INTO containers (id, service, node, state, desired_state, host_ports, labels, template, cpu, memory, create_index, modify_index)
                SELECT ?, NULL, 'n1', 'running', 'running', '{}', '{}', template, ?, 64, create_index, modify_index
                FROM containers WHERE id = ?
                """
            try await Self.expectCapacityRefusal(h, insert, ["forced", 500, placed.id])
            // Nothing moved.
            let node = try #require(try await h.nodes()["n1"])
            #expect(node.allocated == Resources(cpu: 600, memory: 128))
            let after = try await h.containers(service: "big")
            #expect(after.first { $0.id == pending.id }?.state == .pending)
            #expect(after.first { $0.id == pending.id }?.node == nil)
            #expect(after.count == 2)
            // What fits is accepted: the triggers do not refuse everything.
            try await h.sql(insert, ["fits", 400, placed.id])
            #expect(try await h.nodes()["n1"]?.allocated == Resources(cpu: 1000, memory: 192))
        }
    }

    static func expectCapacityRefusal(_ h: H, _ sql: String, _ arguments: [(any DatabaseValueConvertible)?]) async throws {
        do {
            try await h.sql(sql, arguments)
            Issue.record("accepted: \(sql)")
        } catch {
            #expect("\(error)".contains("node capacity exceeded"), "refused for another reason: \(error)")
        }
    }

    @Test func drainedAndPausedNodesGetNothing() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.addNode("n2", address: "192.168.0.2")
            _ = try await h.store.write { tx in
                try NodeRepository.put(tx, name: "n1", spec: NodeSpec(address: "192.168.0.1", capacity: Resources(cpu: 4000, memory: 8192), availability: .drain)).created
            }
            try await h.putService("web", Self.spec(replicas: 3))
            try await h.reconcile(now: Self.now)
            #expect(try await h.containers(service: "web").allSatisfy { $0.node == "n2" })
        }
    }
}
