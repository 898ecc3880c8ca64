import BerthCore
import Foundation
import GRDB
import Logging

/// The cluster state: one SQLite file in WAL mode, one writer, many readers.
///
/// Every write goes through `write`, which commits with `synchronous=FULL` (acknowledged only
/// once durable), takes a change index per write, appends events in the same transaction and
/// then wakes watchers through `hub`. Reads run on the pool's readers and never block writes.
public final class Store: Sendable {
    public let path: String
    public let hub: ChangeHub
    /// The time every write stamps and every wait runs out on (a `ManualClock` in tests).
    public let clock: any BerthClock
    let pool: DatabasePool
    let sessions: ListSessions
    private let committer: GroupCommitter
    private let lock: DatabaseLock?

    /// Opens (creating if needed) and migrates the database at `path`.
    public init(
        path: String, options: StoreOptions = StoreOptions(), clock: any BerthClock = SystemClock(),
        logger: Logger = Logger(label: "berth.store")
    ) throws {
        self.path = path
        self.clock = clock
        self.lock = options.exclusive ? try DatabaseLock(databasePath: path) : nil
        var config = Configuration()
        config.foreignKeysEnabled = true
        config.busyMode = .timeout(TimeInterval(options.busyTimeout.components.seconds))
        config.maximumReaderCount = 8
        config.label = "berth"
        // A page cache big enough for the hot part of a large cluster (every connection), and
        // reads through a bounded mmap window (see `StoreOptions.mmapBytes`).
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA cache_size = -\(options.cacheKiB)")
            try db.execute(sql: "PRAGMA mmap_size = \(options.mmapBytes)")
            JSONFunctions.register(on: db)
        }
        // Refuse a newer schema before the pool's WAL set-up writes to the file. A probe that
        // cannot open it changes nothing: the migrator checks again below.
        var readonly = Configuration()
        readonly.readonly = true
        if FileManager.default.fileExists(atPath: path), let probe = try? DatabaseQueue(path: path, configuration: readonly) {
            defer { try? probe.close() }
            do { try SchemaMigrator.checkNotNewer(probe) } catch let error as BerthStoreError { throw error } catch {}
        }
        let pool: DatabasePool
        do {
            pool = try DatabasePool(path: path, configuration: config)
        } catch {
            throw BerthStoreError.cannotOpen("cannot open database \(path): \(error)")
        }
        // GRDB sets NORMAL when it enables WAL; a write is acknowledged only once it survives
        // power loss, so the writer connection goes back to FULL.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
            // Checkpoint every 64 MiB of WAL rather than 4 MiB: bulk writes rewrite the same
            // index pages many times, and a checkpoint then copies each of them once.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = \(options.walAutocheckpointPages)")
        }
        try SchemaMigrator.migrate(pool)
        // Scratch space for set-based bulk writes (see PendingPlacements). Temporary tables
        // live on the writer connection only and are never part of the database file.
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS placement_batch (id TEXT PRIMARY KEY, node TEXT NOT NULL, ip TEXT NOT NULL)")
        }
        let current = try pool.read { db in try ChangeLog.current(db) }
        self.pool = pool
        self.hub = ChangeHub(current: current, clock: clock)
        self.sessions = ListSessions(clock: clock)
        let retention = options.eventRetention
        self.committer = GroupCommitter(pool: pool, hub: hub, clock: clock, current: current, maxBatch: options.maxBatch) { db, last in
            try ChangeLog.compactIfDue(db, current: last, retention: retention)
        }
        logger.info("database open", metadata: ["path": "\(path)", "index": "\(current)"])
    }

    /// Runs a read in SQL on one consistent snapshot and returns it with the change index it
    /// reflects: for the store's own repositories and the server's loops. The API reads through
    /// `read(_:)` over a `StoreReader` instead.
    package func readDatabase<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> Snapshot<T> {
        do {
            return try await pool.read { db in
                Snapshot(value: try body(db), index: try ChangeLog.current(db))
            }
        } catch {
            throw StoreErrors.map(error)
        }
    }

    /// Runs one logical write; returns once it has committed durably.
    public func write<T: Sendable>(_ body: @escaping @Sendable (WriteTransaction) throws -> T) async throws -> T {
        try await committer.submit(body)
    }

    /// Waits for a change matching `filter` after `index` (see `ChangeHub.wait`).
    public func wait(after index: UInt64, filter: WatchFilter, timeout: Duration) async {
        await hub.wait(after: index, filter: filter, timeout: timeout)
    }

    /// The same wait for the server's own reconciliation loops: not released at shutdown.
    public func waitInternal(after index: UInt64, filter: WatchFilter, timeout: Duration) async {
        await hub.wait(after: index, filter: filter, timeout: timeout, isInternal: true)
    }

    /// Closes the database after the last write and gives up its lock; later calls fail.
    public func close() throws {
        hub.shutdown()
        sessions.closeAll()
        try pool.close()
        lock?.release()
    }
}

/// A value read from the store and the change index of the snapshot it came from.
public struct Snapshot<Value: Sendable>: Sendable {
    public var value: Value
    public var index: UInt64

    public init(value: Value, index: UInt64) {
        self.value = value
        self.index = index
    }
}
