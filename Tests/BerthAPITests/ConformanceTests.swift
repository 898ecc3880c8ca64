@testable import BerthAPI
@testable import BerthStore
import Foundation
import Testing

/// The running server and `api-spec/openapi.yaml` describe the same API, and the binary
/// carries the current spec and migrations.
@Suite struct ConformanceTests {
    @Test func servedRoutesAreExactlyTheSpecOperations() async throws {
        try await LiveServer.with { server in
            let served = Set(APIServer.routeList(store: server.store))
            let documented = Set(OpenAPIDocument.shared.statuses.keys.map { "\($0.method) \($0.path)" })
            #expect(served == documented, "only served: \(served.subtracting(documented).sorted()); only documented: \(documented.subtracting(served).sorted())")
            #expect(documented.count >= 20)
        }
    }

    @Test func everyOperationDocumentsItsErrorsAndIndexHeader() throws {
        let text = try String(contentsOf: OpenAPIDocument.repositoryRoot.appendingPathComponent("api-spec/openapi.yaml"), encoding: .utf8)
        #expect(text.contains("X-Berth-Index"))
        for (operation, statuses) in OpenAPIDocument.shared.statuses {
            #expect(statuses.contains(where: { (200..<300).contains($0) }), "\(operation) has no success status")
            if operation.method != "GET" {
                #expect(statuses.contains(503), "\(operation) does not document 503 for an unavailable database")
            }
            if operation.path.contains("{"), operation.method != "PUT" {
                #expect(statuses.contains(404), "\(operation) has a path parameter but no 404")
            }
        }
    }

    @Test func servedSpecIsTheRepositorySpec() async throws {
        let file = try String(contentsOf: OpenAPIDocument.repositoryRoot.appendingPathComponent("api-spec/openapi.yaml"), encoding: .utf8)
        let current = embeddedOpenAPISpec == file
        #expect(current, "run scripts/embed-resources: the embedded spec is stale")
        try await LiveServer.with { server in
            let reply = try await server.client.get("/v1/openapi.yaml")
            #expect(reply.status == 200)
            #expect(reply.headers["content-type"] == "application/yaml")
            let same = reply.text == file
            #expect(same, "the served spec differs from api-spec/openapi.yaml")
        }
    }

    @Test func embeddedMigrationsAreTheRepositoryMigrations() throws {
        let folder = OpenAPIDocument.repositoryRoot.appendingPathComponent("migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        #expect(files.map { String($0.dropLast(4)) } == embeddedMigrations.map(\.identifier), "run scripts/embed-resources")
        for (file, migration) in zip(files, embeddedMigrations) {
            let sql = try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)
            let same = sql == migration.sql
            #expect(same, "\(file) differs from the embedded copy: run scripts/embed-resources")
        }
    }

    @Test func unknownRouteIsAJSON404() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.client.get("/v1/nothing-here")
            #expect(reply.status == 404)
            #expect(errorCode(reply) == "not_found")
        }
    }

    @Test func healthzAnswersWithTheIndex() async throws {
        try await LiveServer.with { server in
            let reply = try await server.client.get("/healthz")
            #expect(reply.status == 200)
            #expect(json(reply)["status"] as? String == "ok")
            #expect((json(reply)["index"] as? Int).map(UInt64.init) == reply.index)
        }
    }
}
