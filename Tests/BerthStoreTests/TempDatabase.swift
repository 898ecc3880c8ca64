import BerthCore
import Foundation
@testable import BerthStore

/// A real SQLite database file in a fresh directory under the system temporary directory.
struct TempDatabase: Sendable {
    let directory: String
    let path: String

    static let clusterCIDR = "10.88.0.0/16"
    static let serviceCIDR = "10.96.0.0/16"

    init() throws {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("berth-store-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        directory = url.path
        path = url.appendingPathComponent("berth.db").path
    }

    /// Another file in the same directory.
    func file(_ name: String) -> String { directory + "/" + name }

    /// Opens a store on the file; with `networks`, creates the built-in networks first (as the
    /// server does on start), which nodes and services need.
    /// Time is a `ManualClock` the test moves: no store test reads the wall clock.
    func open(options: StoreOptions = StoreOptions(), networks: Bool = true, clock: ManualClock = ManualClock()) async throws -> Store {
        let store = try Store(path: path, options: options, clock: clock)
        if networks {
            do {
                _ = try await store.write { tx in
                    try NetworkRepository.ensureBuiltIn(tx, clusterCIDR: Self.clusterCIDR, serviceCIDR: Self.serviceCIDR)
                }
            } catch {
                try? store.close()
                throw error
            }
        }
        return store
    }

    func remove() {
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Runs `body` with a store on a fresh database file, then closes the store (failing the test if
/// closing fails) and deletes the directory.
func withStore<T>(
    options: StoreOptions = StoreOptions(), networks: Bool = true,
    _ body: (Store, TempDatabase) async throws -> T
) async throws -> T {
    let db = try TempDatabase()
    defer { db.remove() }
    let store = try await db.open(options: options, networks: networks)
    let result: T
    do {
        result = try await body(store, db)
    } catch {
        try? store.close()
        throw error
    }
    try store.close()
    return result
}

/// The bytes of a file, to check that a refused operation changed nothing.
func contents(_ path: String) throws -> Data {
    try Data(contentsOf: URL(fileURLWithPath: path))
}
