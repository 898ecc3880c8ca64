import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces one config file atomically, so a proxy that reloads (or crashes and restarts) at any
/// moment reads either the old file or the new one, never half of each.
///
/// The text goes to a temporary file in the same directory (a rename is only atomic within one
/// file system), is fsynced, then renamed over the target; the directory is fsynced so the rename
/// itself survives a power cut. An existing file's permissions are kept.
public struct ConfigWriter: Sendable {
    public let path: String

    public init(path: String) {
        self.path = path
    }

    /// The file's current text, or nil if it does not exist or cannot be read.
    public func read() -> String? {
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        return String(decoding: data, as: UTF8.self)
    }

    /// Writes `text` unless the file already holds exactly it; returns whether it changed.
    @discardableResult
    public func write(_ text: String) throws(ConfigWriterError) -> Bool {
        if read() == text { return false }
        try replace(with: Array(text.utf8))
        return true
    }

    /// Removes the file (used to roll back to "there was no file"); a missing file is fine.
    public func remove() throws(ConfigWriterError) {
        if unlink(path) != 0 && errno != ENOENT { throw .io("remove", path, errno) }
    }

    private var directory: String {
        let dir = (path as NSString).deletingLastPathComponent
        return dir.isEmpty ? "." : dir
    }

    private func replace(with bytes: [UInt8]) throws(ConfigWriterError) {
        let name = (path as NSString).lastPathComponent
        let temp = "\(directory)/.\(name).\(UUID().uuidString.prefix(8)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .io("create", temp, errno) }
        do throws(ConfigWriterError) {
            var info = stat()
            if stat(path, &info) == 0 { _ = fchmod(fd, info.st_mode & 0o7777) }
            try writeAll(fd, bytes, temp)
            guard fsync(fd) == 0 else { throw ConfigWriterError.io("fsync", temp, errno) }
            guard close(fd) == 0 else { throw ConfigWriterError.io("close", temp, errno) }
        } catch {
            _ = close(fd)
            _ = unlink(temp)
            throw error
        }
        guard rename(temp, path) == 0 else {
            let code = errno
            _ = unlink(temp)
            throw .io("rename", "\(temp) to \(path)", code)
        }
        let dirFD = open(directory, O_RDONLY | O_CLOEXEC)
        if dirFD >= 0 {
            _ = fsync(dirFD)  // best effort: some file systems refuse fsync on a directory
            _ = close(dirFD)
        }
    }
}

/// Writes every byte, retrying short writes and EINTR.
private func writeAll(_ fd: Int32, _ bytes: [UInt8], _ path: String) throws(ConfigWriterError) {
    var offset = 0
    while offset < bytes.count {
        let written = bytes.withUnsafeBytes { buffer in
            write(fd, buffer.baseAddress! + offset, buffer.count - offset)
        }
        if written < 0 {
            if errno == EINTR { continue }
            throw .io("write", path, errno)
        }
        offset += written
    }
}

/// A file-system call that failed while replacing the config file, with the path and errno text.
public enum ConfigWriterError: Error, CustomStringConvertible {
    case io(String, String, Int32)

    public var description: String {
        switch self {
        case .io(let operation, let path, let code): "cannot \(operation) \(path): \(String(cString: strerror(code)))"
        }
    }
}
