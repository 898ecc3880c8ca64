@testable import BerthStore
import BerthCore
import Testing

@Suite struct BuiltInNetworkTests {
    @Test func networksSmallerThanASlash24AreAccepted() async throws {
        try await withStore(networks: false) { store, _ in
            let networks = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/26")
            }
            #expect(networks.map(\.nodePrefix) == [24, 26])
            let vip = try await store.write { tx in
                try ServiceRepository.put(tx, name: "web", spec: ServiceSpec(template: ContainerTemplate(image: "x"))).0.vip
            }
            #expect(vip == "10.96.0.1")
        }
    }
}

@Suite struct BuiltInNetworkBackendTests {
    @Test func theDefaultNetworkTakesTheServersBackendOnlyWhenCreated() async throws {
        try await withStore(networks: false) { store, _ in
            let first = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/16", backend: .hostGW)
            }
            #expect(first.map(\.backend) == [.hostGW, .vxlan])
            #expect(first.map(\.vni) == [1, 1])
            // The database is the truth: a later start with another backend changes nothing.
            let index = try await store.currentIndex()
            let again = try await store.write { tx in
                try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/16", backend: .vxlan)
            }
            #expect(again == first)
            #expect(try await store.currentIndex() == index)
        }
    }
}
