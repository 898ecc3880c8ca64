import Foundation

/// Copies a log file to stdout and, when following, what is appended to it afterwards. The
/// agent writes the file on the node; polling its size is the one portable way to follow it.
struct LogTail {
    let path: String
    private var offset: UInt64 = 0

    init(path: String) { self.path = path }

    /// Writes whatever was appended since the last call; starts over if the file was truncated.
    mutating func copyNew() throws {
        guard let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return }
        let end = size.uint64Value
        if end < offset { offset = 0 }
        guard end > offset else { return }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw CLIError("cannot read \(path)") }
        defer { try? handle.close() }
        try handle.seek(toOffset: offset)
        while offset < end {
            guard let chunk = try handle.read(upToCount: Int(min(end - offset, 1 << 20))), !chunk.isEmpty else { break }
            Console.write(chunk)
            offset += UInt64(chunk.count)
        }
    }

    /// Copies new output every `interval` until the command is interrupted (Ctrl-C).
    mutating func follow(every interval: Duration = .milliseconds(200)) async throws {
        while true {
            try await Task.sleep(for: interval)
            try copyNew()
        }
    }
}
