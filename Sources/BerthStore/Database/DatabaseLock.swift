import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// An advisory lock on `<db>.lock`, held while a server has the database open, so that a
/// second server or a restore on the same file is refused instead of corrupting it.
public final class DatabaseLock: Sendable {
    /// The lock file's descriptor; -1 once released.
    private let fd: Mutex<Int32>

    /// Takes the lock or throws `BerthError.conflict` saying who is in the way.
    public init(databasePath: String) throws {
        let path = databasePath + ".lock"
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw BerthStoreError.cannotOpen("cannot open lock file \(path): \(String(cString: strerror(errno)))")
        }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw BerthStoreError.locked("database \(databasePath) is in use by another process (lock \(path) is held)")
        }
        self.fd = Mutex(fd)
    }

    /// Gives the lock up now rather than when the object goes away; later calls do nothing.
    public func release() {
        fd.withLock { fd in
            guard fd >= 0 else { return }
            flock(fd, LOCK_UN)
            close(fd)
            fd = -1
        }
    }

    deinit { release() }
}

/// Failures of opening, migrating or restoring a database file.
public enum BerthStoreError: Error, CustomStringConvertible, Equatable {
    case cannotOpen(String)
    case locked(String)
    case newerSchema(String)
    case invalidBackup(String)
    /// A row holds what the store never writes (a database edited by hand).
    case corrupt(String)

    public var description: String {
        switch self {
        case .cannotOpen(let m), .locked(let m), .newerSchema(let m), .invalidBackup(let m), .corrupt(let m): m
        }
    }
}
