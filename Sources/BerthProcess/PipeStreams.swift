import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The parent's ends of a child's pipes during `run`: stdin written from `input`, stdout and
/// stderr read into `output` and `errors`, all non-blocking.
struct PipeStreams {
    private var input: Data
    private var written = 0
    private var stdin: Int32
    private var stdout: Int32
    private var stderr: Int32
    private(set) var output = Data()
    private(set) var errors = Data()
    private var buffer = [UInt8](repeating: 0, count: 65536)

    init(_ ends: [Int32], input: Data) {
        self.input = input
        (stdin, stdout, stderr) = (ends[0], ends[1], ends[2])
        for fd in ends where fd >= 0 { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        if input.isEmpty { Self.close(&stdin) }
    }

    /// Nothing left to write or read.
    var isIdle: Bool { stdin < 0 && stdout < 0 && stderr < 0 }

    /// What to poll for: stdin writable, stdout and stderr readable.
    var pollSet: [pollfd] {
        var fds: [pollfd] = []
        if stdin >= 0 { fds.append(pollfd(fd: stdin, events: Int16(POLLOUT), revents: 0)) }
        for fd in [stdout, stderr] where fd >= 0 { fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0)) }
        return fds
    }

    /// Serves the descriptors poll reported ready.
    mutating func serve(_ fds: [pollfd]) {
        for entry in fds where entry.revents != 0 {
            if entry.fd == stdin { writeSome() }
            else if entry.fd == stdout { _ = readSome(.output) }
            else if entry.fd == stderr { _ = readSome(.errors) }
        }
    }

    /// After the child's exit: reads what the pipes still hold and stops reading, without
    /// waiting for an end-of-file that a daemon it left behind may hold back (and reading at
    /// most 16 MiB more each, in case that daemon keeps writing).
    mutating func drain() {
        Self.close(&stdin)
        var budget = 256
        while budget > 0, readSome(.output) { budget -= 1 }
        budget = 256
        while budget > 0, readSome(.errors) { budget -= 1 }
        closeAll()
    }

    mutating func closeAll() {
        Self.close(&stdin)
        Self.close(&stdout)
        Self.close(&stderr)
    }

    private mutating func writeSome() {
        let n = input.withUnsafeBytes { raw in Glibc.write(stdin, raw.baseAddress! + written, raw.count - written) }
        if n > 0 { written += n }
        if (n < 0 && errno != EAGAIN && errno != EINTR) || written == input.count { Self.close(&stdin) }
    }

    /// One read into `data`; whether it got bytes. End-of-file or an error closes the stream;
    /// nothing to read yet (EAGAIN) leaves it open.
    private mutating func readSome(_ stream: Collected) -> Bool {
        let fd = stream == .output ? stdout : stderr
        guard fd >= 0 else { return false }
        let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
        if n > 0 {
            if stream == .output { output.append(contentsOf: buffer[0..<n]) } else { errors.append(contentsOf: buffer[0..<n]) }
            return true
        }
        if n == 0 || (errno != EINTR && errno != EAGAIN) {
            if stream == .output { Self.close(&stdout) } else { Self.close(&stderr) }
        }
        return false
    }

    private enum Collected { case output, errors }

    private static func close(_ fd: inout Int32) {
        if fd >= 0 { Glibc.close(fd) }
        fd = -1
    }
}
