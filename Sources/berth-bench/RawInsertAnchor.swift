import Foundation
import GRDB

/// The same-run anchor for write costs: plain SQLite inserting rows of a placement's shape
/// (a text key and three short columns) in transactions of 5,000 with `synchronous=FULL` in WAL,
/// as the store commits. A placement's cost is stated as how many of these rows it is worth.
enum RawInsertAnchor {
    static func rowsPerSecond(folder: URL, rows: Int = 200_000) throws -> Double {
        let path = folder.appendingPathComponent("raw-anchor.db").path
        defer {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) }
        }
        let queue = try DatabaseQueue(path: path)
        try queue.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA journal_mode = WAL")
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "CREATE TABLE raw (id TEXT PRIMARY KEY, node TEXT NOT NULL, state TEXT NOT NULL, ip TEXT)")
        }
        let clock = ContinuousClock()
        let started = clock.now
        var start = 0
        while start < rows {
            let end = min(start + 5000, rows)
            try queue.write { db in
                let insert = try db.makeStatement(sql: "INSERT INTO raw (id, node, state, ip) VALUES (?, ?, 'scheduled', ?)")
                for i in start..<end {
                    try insert.execute(arguments: [String(format: "c%011x", i &* 2_654_435_761 % 0xFFFF_FFFF), "node-\(i % 5000)", "10.\(i >> 16 & 255).\(i >> 8 & 255).\(i & 255)"])
                }
            }
            start = end
        }
        return Double(rows) / (clock.now - started).seconds
    }
}
