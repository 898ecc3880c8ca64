import BerthControllers
import BerthCore
import BerthStore
import Foundation
import Testing

@Suite struct IPAMRepairControllerTests {
    typealias H = ControllerHarness
    static let now = Date(timeIntervalSince1970: 1_000_000)

    @Test func leakedLeaseIsReleased() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            let subnet = try #require(try await h.nodes()["n1"]?.subnet.flatMap { CIDR($0) })
            let leakedIP = IPv4Address(subnet.network.value + 200).description
            #expect(try await h.repair().pass() == [])

            try await h.sql("""
                INSERT INTO leases (network, ip, owner_kind, owner, node, create_index) VALUES ('default', ?, 'container', 'ghost', 'n1', 1)
                """, [leakedIP])
            #expect(try await h.leases(owner: "ghost").count == 1)
            let findings = try await h.repair().pass()
            #expect(findings == ["released leaked lease default/\(leakedIP) of container ghost"])
            #expect(try await h.leases(owner: "ghost").isEmpty)
            #expect(try await h.repair().pass() == [])
        }
    }

    @Test func leaseOfAContainerEndedBehindTheStoresBackIsReleased() async throws {
        try await H.with { h in
            try await h.addNode("n1", address: "192.168.0.1")
            try await h.putService("web", ServiceSpec(replicas: 1, template: ContainerTemplate(image: "nginx:1")))
            try await h.reconcile(now: Self.now)
            let container = try #require(try await h.containers(service: "web").first)
            let ip = try #require(container.ip)
            // Ended by a raw write that skipped the repository (and so kept its address).
            try await h.sql("UPDATE containers SET state = 'exited' WHERE id = ?", [container.id])
            let findings = try await h.repair().pass()
            #expect(findings == [
                "released leaked lease default/\(ip) of container \(container.id)",
                "container \(container.id) holds an address without a lease; it is cleared",
            ])
            #expect(try await h.leases(owner: container.id).isEmpty)
            #expect(try await h.containers(service: "web").first?.ip == nil)
            #expect(try await h.repair().pass() == [])
        }
    }
}
