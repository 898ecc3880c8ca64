import BerthCore
import ArgumentParser
import BerthStore
import Foundation
import Logging

/// The first admin token, made when the database has no live one (a new cluster) and written
/// next to the database as `<db>.admin-token`, mode 0600, so only the server's user can read it.
/// The secret never reaches the logs; only the file's path does.
enum AdminTokenFile {
    static func path(forDatabase db: String) -> String { db + ".admin-token" }

    static func ensure(store: Store, databasePath: String, logger: Logger) async throws {
        let hasAdmin = try await store.readDatabase { db in try TokenRepository.hasActiveAdmin(db) }.value
        guard !hasAdmin else { return }
        let issued = try await store.write { tx in
            try TokenRepository.create(tx, spec: TokenSpec(role: .admin, description: "made on first start"))
        }
        let file = path(forDatabase: databasePath)
        try write(issued.secret + "\n", to: file)
        logger.notice("created admin token \(issued.token.id); its secret is in \(file) (mode 0600): export BERTH_TOKEN=$(cat \(file))")
    }

    /// Writes with mode 0600 from the start (never briefly world-readable), replacing any old file.
    static func write(_ text: String, to path: String) throws {
        let temp = path + ".tmp"
        unlink(temp)
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw CleanExit.failure("berth serve: cannot write \(temp): \(String(cString: strerror(errno)))") }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        let synced = fsync(fd)
        close(fd)
        guard written == bytes.count, synced == 0, rename(temp, path) == 0 else {
            unlink(temp)
            throw CleanExit.failure("berth serve: cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
