import BerthCore
import GRDB

/// Turns SQLite failures into the domain errors the API knows how to answer.
enum StoreErrors {
    /// Failures of the storage rather than of one write: the batch they happen in cannot commit.
    static func isStorageFailure(_ error: any Error) -> Bool {
        guard let db = error as? DatabaseError else { return false }
        return [.SQLITE_FULL, .SQLITE_IOERR, .SQLITE_READONLY, .SQLITE_CORRUPT, .SQLITE_NOTADB, .SQLITE_ABORT].contains(db.resultCode)
    }

    static func map(_ error: any Error) -> any Error {
        guard let db = error as? DatabaseError else { return error }
        switch db.resultCode {
        case .SQLITE_FULL:
            return BerthError.unavailable("the database disk is full; writes are refused until space is freed (reads still work)")
        case .SQLITE_READONLY:
            return BerthError.unavailable("the database is read-only; writes are refused (reads still work)")
        case .SQLITE_ABORT:
            return BerthError.unavailable("the write was rolled back by the database (\(db.message ?? "aborted")); try again")
        case .SQLITE_IOERR, .SQLITE_CANTOPEN, .SQLITE_BUSY, .SQLITE_LOCKED:
            return BerthError.unavailable("the database cannot take writes right now: \(db.message ?? "\(db.resultCode)")")
        case .SQLITE_CONSTRAINT:
            return BerthError.conflict("the write breaks a cluster invariant: \(db.message ?? "constraint failed")")
        default:
            return error
        }
    }
}
