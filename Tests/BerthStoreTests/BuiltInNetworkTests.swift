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
