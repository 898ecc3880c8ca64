import Foundation
import GRDB

/// Opens a database file read-only for inspection (`berth check`, `berth restore`'s checks),
/// with one readable error for a missing file and one for a file that is not SQLite; `failure`
/// picks the error case the caller reports.
enum ReadOnlyFile {
    static func open(_ path: String, describedAs what: String = "", failure: (String) -> BerthStoreError) throws -> DatabaseQueue {
        guard FileManager.default.fileExists(atPath: path) else {
            throw failure("\(what)\(path) does not exist")
        }
        var config = Configuration()
        config.readonly = true
        do {
            return try DatabaseQueue(path: path, configuration: config)
        } catch {
            throw failure("\(path) is not an SQLite database: \(error)")
        }
    }
}
