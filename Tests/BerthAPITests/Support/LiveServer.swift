import BerthAPI
import BerthClient
import BerthControllers
import BerthCore
import BerthStore
import BerthTesting
import Foundation
import Logging

/// A real Berth server on 127.0.0.1 (a free port) over a real SQLite file in WAL mode, for
/// the duration of one test.
struct LiveServer {
    let client: SpecCheckedClient
    let store: Store
    let directory: URL
    /// With `auth`: the admin token the client sends.
    let adminToken: String?
    /// How many reconciliation loops run (each parks at most one internal waiter in the hub).
    let loops: Int

    /// Waits until `count` of the clients' long-polls are parked in the server, so a test makes
    /// the change that should (or should not) wake them only once they wait. The hub also holds
    /// the loops' internal waiters, at most one each: more waiters than loops means clients'.
    func parked(_ count: Int = 1, file: String = #fileID, line: Int = #line) async throws {
        try await eventually("\(count) long-poll(s) parked", file: file, line: line) { store.hub.waiting >= loops + count }
    }

    /// `loops`: also run the reconciliation loops, with `nodeTimeout` seconds of silence
    /// before a node is marked down. The tests' nodes register once and never heartbeat, so
    /// by default they stay up for the whole test however slow the machine is (at 15 s, a
    /// loaded 2-core run marked the discovery tests' nodes down mid-test); a test about
    /// node failure steps `clock`'s wall time past it (see `SteppedClock`).
    static func with(
        options: StoreOptions = StoreOptions(),
        loops: Bool = false,
        nodeTimeout: TimeInterval = 3_600,
        clock: any BerthClock = SystemClock(),
        auth: Bool = false,
        maxWatchesPerClient: Int = 1_000,
        eventStreamHeartbeat: Duration = .seconds(15),
        _ body: (LiveServer) async throws -> Void
    ) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("berth-api-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try Store(path: directory.appendingPathComponent("berth.db").path, options: options, clock: clock)
        _ = try await store.write { tx in
            try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: "10.88.0.0/16", serviceCIDR: "10.96.0.0/16")
        }
        var logger = Logger(label: "berth.test")
        logger.logLevel = ProcessInfo.processInfo.environment["BERTH_TEST_LOG"] == nil ? .critical : .debug
        let (ports, continuation) = AsyncStream<Int>.makeStream()
        var apiOptions = APIServer.Options()
        let clusterState = ClusterState(store: store)
        if loops { apiOptions.clusterState = clusterState }
        apiOptions.maxWatchesPerClient = maxWatchesPerClient
        apiOptions.eventStreamHeartbeat = eventStreamHeartbeat
        var adminToken: String?
        if auth {
            apiOptions.authenticator = TokenAuthenticator(store: store)
            adminToken = try await store.write { tx in try TokenRepository.create(tx, spec: TokenSpec(role: .admin)) }.secret
        }
        let app = try APIServer.makeApplication(store: store, host: "127.0.0.1", port: 0, options: apiOptions, logger: logger) { port in
            continuation.yield(port)
        }
        var loopOptions = Controllers.Options()
        loopOptions.nodeTimeout = .milliseconds(Int64(nodeTimeout * 1000))
        loopOptions.resync = .seconds(1)
        let controllers = loops ? Controllers.loops(state: clusterState, options: loopOptions, logger: logger) : []
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            for loop in controllers { group.addTask { try await loop.run() } }
            var iterator = ports.makeAsyncIterator()
            guard let port = await iterator.next() else { throw CancellationError() }
            let client = BerthClient(server: URL(string: "http://127.0.0.1:\(port)")!, token: adminToken)
            let server = LiveServer(
                client: SpecCheckedClient(client: client), store: store, directory: directory, adminToken: adminToken, loops: controllers.count
            )
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
