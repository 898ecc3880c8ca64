import BerthClient
import BerthTesting
import Foundation
import Testing

/// `berth serve --network-backend`: the backend the `default` network is created with, like
/// `--cluster-cidr` its subnet; afterwards the database is the truth.
@Suite(.heavy) struct NetworkBackendFlagTests {
    func defaultNetwork(_ server: ServerProcess) async throws -> [String: Any] {
        let reply = try await server.client.get("/v1/networks/default")
        return try #require(try JSONSerialization.jsonObject(with: reply.body) as? [String: Any], "\(reply.text)")
    }

    @Test func theFlagSetsTheBackendOnCreationOnly() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path

        let first = try await ServerProcess(database: db, extra: ["--network-backend", "host-gw"])
        let created = try await defaultNetwork(first)
        #expect(created["backend"] as? String == "host-gw")
        #expect(created["vni"] as? Int == 1)
        #expect(await first.stop() == 0)

        let second = try await ServerProcess(database: db, extra: ["--network-backend", "vxlan"])
        #expect(try await defaultNetwork(second)["backend"] as? String == "host-gw", "the stored backend stays")
        #expect(await second.stop() == 0)
        #expect(second.log.contains("keeps its stored backend host-gw"), "\(second.log.suffix(2000))")
    }

    @Test func withoutTheFlagTheDefaultNetworkTunnels() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let server = try await ServerProcess(database: folder.appendingPathComponent("berth.db").path)
        let network = try await defaultNetwork(server)
        #expect(network["backend"] as? String == "vxlan")
        #expect(network["vni"] as? Int == 1)
        #expect(await server.stop() == 0)
    }

    @Test func anUnknownBackendIsRefusedBeforeAnythingStarts() async throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let db = folder.appendingPathComponent("berth.db").path
        let run = try await BerthBinary.run(["serve", "--db", db, "--listen", "127.0.0.1:0", "--network-backend", "ipip"], timeout: .seconds(30))
        #expect(run.status != 0)
        #expect(run.stderr.contains("--network-backend"), "\(run.output)")
        #expect(run.stderr.contains("vxlan, host-gw"))
        #expect(!FileManager.default.fileExists(atPath: db), "no database was made")
    }
}
