import Glibc

/// The few file operations berth-init needs, on raw descriptors: Foundation would cost
/// milliseconds of start-up in a process that lives on the container's start path.
enum FileIO {
    /// The text of the last failed call, as `strerror` spells it.
    static var lastError: String { String(cString: strerror(errno)) }

    /// Writes all of `text`, retrying short writes and EINTR.
    @discardableResult
    static func write(_ fd: Int32, _ text: String) -> Bool {
        var text = text
        return text.withUTF8 { bytes in
            guard let base = bytes.baseAddress else { return true }
            var offset = 0
            while offset < bytes.count {
                let written = Glibc.write(fd, base + offset, bytes.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    /// Writes `text` to an existing file (a cgroup or procfs control file). Returns the errno
    /// of the failure, or nil.
    static func writeExisting(_ path: String, _ text: String) -> Int32? {
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { return errno }
        defer { close(fd) }
        return write(fd, text) ? nil : errno
    }

    /// Replaces `path` with `text` by writing `path.tmp` and renaming it over, so a reader (a
    /// restarted agent) sees either no file or the whole record, never half of one.
    @discardableResult
    static func writeAtomically(_ path: String, _ text: String) -> Bool {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        let written = write(fd, text)
        close(fd)
        guard written, rename(temporary, path) == 0 else {
            unlink(temporary)
            return false
        }
        return true
    }

    /// A small file's text (control files, /proc entries), or nil when it cannot be read.
    static func read(_ path: String, limit: Int = 65536) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while bytes.count < limit {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Reads one `\n`-terminated line from a pipe, byte by byte so nothing after the line is
    /// consumed. Returns nil at end of file before any byte.
    static func readLine(_ fd: Int32) -> String? {
        var bytes: [UInt8] = []
        var byte: UInt8 = 0
        while true {
            let count = Glibc.read(fd, &byte, 1)
            if count < 0 {
                if errno == EINTR { continue }
                break
            }
            if count == 0 || byte == UInt8(ascii: "\n") { break }
            bytes.append(byte)
        }
        if bytes.isEmpty, byte != UInt8(ascii: "\n") { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What kind of file `path` names, without following a final symlink when `follow` is
    /// false. Nil when it does not exist.
    static func kind(_ path: String, follow: Bool = true) -> mode_t? {
        var info = stat()
        let result = follow ? stat(path, &info) : lstat(path, &info)
        return result == 0 ? info.st_mode & S_IFMT : nil
    }

    /// `mkdir -p` for a mount point; true when the directory exists afterwards.
    static func makeDirectories(_ path: String, mode: mode_t = 0o755) -> Bool {
        if kind(path) == S_IFDIR { return true }
        var prefix = ""
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, mode) != 0, errno != EEXIST { return false }
        }
        return kind(path) == S_IFDIR
    }

    /// Makes an empty regular file to bind a file over, leaving an existing one alone.
    static func makeFile(_ path: String) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { return false }
        close(fd)
        return true
    }
}

extension FileIO {
    /// Every mount point of the calling process's namespace, from /proc/self/mountinfo
    /// (octal escapes undone), in mount order.
    static func mountPoints() -> [String] {
        guard let text = read("/proc/self/mountinfo", limit: 1 << 22) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ")
            guard fields.count > 4 else { return nil }
            // mountinfo writes space, tab, newline and backslash as \ and three octal digits.
            let bytes = Array(fields[4].utf8)
            var point: [UInt8] = []
            var index = 0
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\"), index + 3 < bytes.count {
                    let digits = bytes[(index + 1)...(index + 3)]
                    if digits.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "7") }) {
                        point.append(digits.reduce(0) { $0 &* 8 &+ ($1 - UInt8(ascii: "0")) })
                        index += 4
                        continue
                    }
                }
                point.append(bytes[index])
                index += 1
            }
            return String(decoding: point, as: UTF8.self)
        }
    }
}
