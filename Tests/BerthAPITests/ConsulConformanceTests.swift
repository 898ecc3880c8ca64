@testable import BerthAPI
import Foundation
import Testing

/// The Consul listener and `api-spec/consul.yaml` describe the same routes.
@Suite struct ConsulConformanceTests {
    @Test func servedRoutesAreExactlyTheSpecOperations() async throws {
        try await LiveServer.with { server in
            let served = Set(ConsulServer.routeList(store: server.store))
            let documented = Set(OpenAPIDocument.consul.statuses.keys.map { "\($0.method) \($0.path)" })
            #expect(served == documented, "only served: \(served.subtracting(documented).sorted()); only documented: \(documented.subtracting(served).sorted())")
            #expect(documented.count == 6)
        }
    }

    @Test func everyOperationDocumentsTokensAndConsulHeaders() throws {
        let text = try String(contentsOf: OpenAPIDocument.repositoryRoot.appendingPathComponent("api-spec/consul.yaml"), encoding: .utf8)
        for header in ["X-Consul-Index", "X-Consul-KnownLeader", "X-Consul-LastContact", "X-Consul-Token"] { #expect(text.contains(header)) }
        for (operation, statuses) in OpenAPIDocument.consul.statuses {
            #expect(statuses.contains(403) == (operation.path != "/v1/agent/self"), "\(operation): 403 for a missing or weak token, except the open agent/self")
            #expect(statuses.contains(400), "\(operation) does not document 400")
        }
    }
}
