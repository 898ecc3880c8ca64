import BerthCore
import Dispatch
import Foundation
import GRDB

extension Store {
    /// Writes a consistent snapshot of the whole database to a new file at `destination`,
    /// online: SQLite's backup API copies the pages inside one read transaction, so writers go
    /// on meanwhile and the copy holds exactly the state at one change index, which it returns.
    public func snapshot(to destination: String) async throws -> UInt64 {
        let pool = self.pool
        return try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async {
                do {
                    // The copy is throw-away until it is streamed: no syncs, so it does not
                    // compete with the live database's WAL fsyncs.
                    var config = Configuration()
                    config.prepareDatabase { db in
                        try db.execute(sql: "PRAGMA synchronous = OFF")
                        try db.execute(sql: "PRAGMA journal_mode = OFF")
                    }
                    let target = try DatabaseQueue(path: destination, configuration: config)
                    try pool.backup(to: target)
                    let index = try target.read { db in try ChangeLog.current(db) }
                    try target.close()
                    continuation.resume(returning: index)
                } catch {
                    try? FileManager.default.removeItem(atPath: destination)
                    continuation.resume(throwing: StoreErrors.map(error))
                }
            }
        }
    }
}

/// What a backup file holds, as checked before it is restored.
public struct BackupInfo: Sendable, Equatable {
    public var schemaVersion: String
    public var index: UInt64
    public var nodes: Int
    public var services: Int
    public var containers: Int
}

/// Offline restore: replaces a stopped server's database with a backup file.
public enum Restore {
    /// Checks that `path` is a sound Berth database this binary can run: an SQLite file that
    /// passes `integrity_check`, with Berth's schema at a version no newer than ours.
    public static func inspect(_ path: String) throws -> BackupInfo {
        let queue = try ReadOnlyFile.open(path, describedAs: "backup file ", failure: BerthStoreError.invalidBackup)
        defer { try? queue.close() }
        do {
            return try queue.read { db in
                let check = try db.values(String.self, sql: "PRAGMA integrity_check")
                guard check == ["ok"] else {
                    throw BerthStoreError.invalidBackup("\(path) fails the integrity check: \(check.prefix(3).joined(separator: "; "))")
                }
                guard try db.tableExists("grdb_migrations"), try db.tableExists("cluster_index"),
                      let version = try SchemaMigrator.appliedVersion(db)
                else {
                    throw BerthStoreError.invalidBackup("\(path) is an SQLite database but not a Berth one (no Berth schema)")
                }
                return BackupInfo(
                    schemaVersion: version, index: try ChangeLog.current(db),
                    nodes: try db.value(Int.self, sql: "SELECT COUNT(*) FROM nodes") ?? 0,
                    services: try db.value(Int.self, sql: "SELECT COUNT(*) FROM services") ?? 0,
                    containers: try db.value(Int.self, sql: "SELECT COUNT(*) FROM containers") ?? 0
                )
            }
        } catch let error as BerthStoreError {
            throw error
        } catch {
            throw BerthStoreError.invalidBackup("\(path) cannot be read as a Berth database: \(error)")
        }
    }

    /// Restores `backup` over the database at `database` and returns where the old one was
    /// kept. Refuses while a server holds the database, and a backup that is broken, foreign
    /// or from a newer Berth; in those cases nothing is changed. The old database's new name is
    /// stamped with `clock`'s wall time (the server's clock: `SystemClock` in `berth restore`).
    public static func restore(from backup: String, to database: String, clock: any BerthClock) throws -> (info: BackupInfo, keptAt: String?) {
        let lock = try DatabaseLock(databasePath: database)
        defer { withExtendedLifetime(lock) {} }
        let info = try inspect(backup)
        do {
            let queue = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
            defer { try? queue.close() }
            try SchemaMigrator.checkNotNewer(queue)
        }
        let fm = FileManager.default
        let staging = database + ".restoring"
        try? fm.removeItem(atPath: staging)
        try fm.copyItem(atPath: backup, toPath: staging)
        var keptAt: String?
        if fm.fileExists(atPath: database) {
            let stamp = Int(clock.date.timeIntervalSince1970)
            let aside = "\(database).before-restore-\(stamp)"
            try fm.moveItem(atPath: database, toPath: aside)
            for suffix in ["-wal", "-shm"] where fm.fileExists(atPath: database + suffix) {
                try fm.moveItem(atPath: database + suffix, toPath: aside + suffix)
            }
            keptAt = aside
        }
        try fm.moveItem(atPath: staging, toPath: database)
        return (info, keptAt)
    }
}
