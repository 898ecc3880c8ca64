import BerthAPI
import BerthClient
import BerthCore
import BerthStore
import Foundation
import Logging

/// A real Berth server on 127.0.0.1 (a free port) over a real SQLite file in WAL mode, for
/// the duration of one test.
struct LiveServer {
    let client: SpecCheckedClient
    let store: Store
    let directory: URL

    static func with(
        options: StoreOptions = StoreOptions(),
        _ body: (LiveServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("berth.db").path, options: options)
        _ = try await store.write { tx in
            try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/16")
        }
        var logger = Logger(label: "berth.test")
        logger.logLevel = .critical
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        let app = APIServer.makeApplication(store: store, host: "127.0.0.1", port: 0, logger: logger) { port in
            continuation.yield(port)
        }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let client = BerthClient(server: URL(string: "http://127.0.0.1:\(port)")!)
            let server = LiveServer(client: SpecCheckedClient(client: client), store: store, directory: directory)
            do {
                try await body(server)
            } catch {
                store.hub.shutdown()
                group.cancelAll()
                throw error
            }
            store.hub.shutdown()
            group.cancelAll()
        }
        try store.close()
    }
}
