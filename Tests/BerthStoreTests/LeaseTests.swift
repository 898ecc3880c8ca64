import BerthCore
import GRDB
import Testing
@testable import BerthStore

@Suite struct LeaseTests {
    @Test func concurrentNodeRegistrationsGetDistinctSubnets() async throws {
        try await withStore { store, _ async throws in
            let nodes = try await withThrowingTaskGroup(of: Node.self) { group in
                for i in 0..<100 {
                    group.addTask { try await store.registerNode("n\(i)", spec: Fixtures.nodeSpec(address: "10.0.1.\(i + 1)")) }
                }
                var nodes: [Node] = []
                for try await node in group { nodes.append(node) }
                return nodes
            }
            #expect(nodes.count == 100)
            let subnets = nodes.compactMap(\.subnet)
            #expect(subnets.count == 100)
            #expect(Set(subnets).count == 100)
            let cluster = try #require(CIDR(TempDatabase.clusterCIDR))
            let cidrs = try subnets.map { try #require(CIDR($0)) }
            #expect(cidrs.allSatisfy { $0.prefix == 24 && cluster.contains($0.network) })
            // Lowest first: together they are exactly the first 100 /24s.
            #expect(Set(cidrs) == Set((0..<100).compactMap { cluster.subnet($0, prefix: 24) }))

            let leases = try await store.readDatabase { db in try LeaseRepository.list(db, network: Network.defaultName) }.value
            #expect(leases.count == 100)
            #expect(Set(leases.map(\.ip)) == Set(subnets))
            #expect(leases.allSatisfy { $0.ownerKind == .node && $0.node == $0.owner })
            #expect(Set(nodes.map(\.modifyIndex)).count == 100)
        }
    }

    @Test func concurrentServiceCreationsGetDistinctVIPs() async throws {
        try await withStore { store, _ async throws in
            let services = try await withThrowingTaskGroup(of: Service.self) { group in
                for i in 0..<200 {
                    group.addTask { try await store.createService("svc-\(i)") }
                }
                var services: [Service] = []
                for try await service in group { services.append(service) }
                return services
            }
            #expect(services.count == 200)
            let vips = services.compactMap(\.vip)
            #expect(vips.count == 200)
            #expect(Set(vips).count == 200)
            let network = try #require(CIDR(TempDatabase.serviceCIDR))
            let addresses = try vips.map { try #require(IPv4Address($0)) }
            #expect(addresses.allSatisfy { network.contains($0) && $0 != network.network })
            // The lowest 200 host addresses, 10.96.0.1 to 10.96.0.200.
            #expect(addresses.map(\.value).min() == network.network.value + 1)
            #expect(addresses.map(\.value).max() == network.network.value + 200)

            let leases = try await store.readDatabase { db in try LeaseRepository.list(db, network: Network.servicesName) }.value
            #expect(leases.count == 200)
            #expect(Set(leases.map(\.owner)) == Set(services.map(\.name)))
        }
    }

    @Test func theSchemaRefusesADuplicateLease() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1")
            let subnet = try #require(node.subnet)

            let error = await #expect(throws: DatabaseError.self) {
                try await store.pool.write { db in
                    try db.execute(
                        sql: "INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES (?, ?, 'node', 'intruder', 'intruder', 99)",
                        arguments: [Network.defaultName, subnet]
                    )
                }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.extendedResultCode == .SQLITE_CONSTRAINT_PRIMARYKEY)

            // One owner holds at most one lease per network.
            let second = await #expect(throws: DatabaseError.self) {
                try await store.pool.write { db in
                    try db.execute(
                        sql: "INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES (?, '10.88.200.0/24', 'node', 'n1', 'n1', 99)",
                        arguments: [Network.defaultName]
                    )
                }
            }
            #expect(second?.resultCode == .SQLITE_CONSTRAINT)

            // Through the store, the same violation is a conflict and leaves no trace.
            let index = try await store.currentIndex()
            let events = try await store.eventRows()
            let conflict = await #expect(throws: BerthError.self) {
                try await store.write { tx in
                    try tx.record(.lease, "x", .created, ["ip": subnet])
                    try tx.db.execute(
                        sql: "INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES (?, ?, 'service', 'intruder', NULL, ?)",
                        arguments: [Network.defaultName, subnet, tx.index]
                    )
                }
            }
            #expect(conflict?.code == "conflict")
            #expect(try await store.currentIndex() == index)
            #expect(try await store.eventRows() == events)
            #expect(try await store.leases() == [Lease(network: Network.defaultName, ip: subnet, ownerKind: .node, owner: "n1", node: "n1", createIndex: node.createIndex)])
        }
    }

    @Test func containerAddressesComeFromTheNodeSubnetSkippingTheGateway() async throws {
        try await withStore { store, _ async throws in
            let node = try await store.registerNode("n1")
            let subnet = try #require(node.subnet)
            let ips = try await store.write { tx in
                try (0..<3).map { try LeaseRepository.leaseContainerIP(tx, container: "c\($0)", node: "n1", subnet: subnet) }
            }
            #expect(ips == ["10.88.0.2", "10.88.0.3", "10.88.0.4"])
            let leases = try await store.readDatabase { db in try LeaseRepository.list(db, node: "n1") }.value
            #expect(leases.filter { $0.ownerKind == .container }.map(\.ip) == ips)
        }
    }

    @Test func releasedAddressesAreReused() async throws {
        try await withStore { store, _ async throws in
            let a = try await store.createService("a")
            let b = try await store.createService("b")
            #expect(a.vip == "10.96.0.1")
            #expect(b.vip == "10.96.0.2")
            _ = try await store.write { tx in try ServiceRepository.delete(tx, name: "a") }
            #expect(try await store.leases(owner: "a").isEmpty)
            let c = try await store.createService("c")
            #expect(c.vip == "10.96.0.1")

            let n1 = try await store.registerNode("n1")
            _ = try await store.registerNode("n2")
            _ = try await store.write { tx in try NodeRepository.delete(tx, name: "n1") }
            let n3 = try await store.registerNode("n3")
            #expect(n3.subnet == n1.subnet)
        }
    }

    @Test func exhaustedNetworkIsAConflict() async throws {
        try await withStore(networks: false) { store, _ async throws in
            _ = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/23", serviceCIDR: "10.96.0.0/24")
            }
            // Two /24 node subnets in a /23.
            _ = try await store.registerNode("n1")
            _ = try await store.registerNode("n2")
            let index = try await store.currentIndex()
            let error = await #expect(throws: BerthError.self) { try await store.registerNode("n3") }
            #expect(error?.code == "conflict")
            #expect(error?.message.contains("no free /24 subnet") == true)
            #expect(try await store.node("n3") == nil)
            #expect(try await store.currentIndex() == index)

            // Hold all but the last VIP, so one more service fits and the next does not.
            _ = try await store.write { tx in
                for host in 1...253 {
                    try tx.db.execute(
                        sql: "INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES (?, ?, 'service', ?, NULL, ?)",
                        arguments: [Network.servicesName, "10.96.0.\(host)", "held-\(host)", tx.index]
                    )
                }
            }
            let last = try await store.createService("s1")
            #expect(last.vip == "10.96.0.254")
            let vipError = await #expect(throws: BerthError.self) { try await store.createService("s2") }
            #expect(vipError?.code == "conflict")
            #expect(try await store.readDatabase { db in try ServiceRepository.fetch(db, "s2") }.value == nil)
        }
    }
}
