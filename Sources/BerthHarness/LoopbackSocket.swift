import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A plain blocking socket to 127.0.0.1, with a receive timeout, for talking to a server the
/// way any resolver would (the DNS tests' raw packets, berth-bench's freshness probe).
public final class LoopbackSocket {
    public let fd: Int32
    public struct Failure: Error, CustomStringConvertible { public var description: String }

    /// `tcp`: connected stream; else a connected datagram socket. `source`: the loopback
    /// address to send from (any of 127.0.0.0/8; by default the kernel's pick, 127.0.0.1).
    public init(port: Int, tcp: Bool, timeout: Duration = .seconds(5), source: String? = nil) throws {
        fd = socket(AF_INET, Int32(tcp ? SOCK_STREAM.rawValue : SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: \(errno)") }
        setTimeout(timeout)
        if let source {
            var local = sockaddr_in()
            local.sin_family = sa_family_t(AF_INET)
            local.sin_addr.s_addr = inet_addr(source)
            let bound = withUnsafePointer(to: &local) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
            }
            guard bound == 0 else {
                close(fd)
                throw Failure(description: "bind \(source): \(errno)")
            }
        }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw Failure(description: "connect: \(errno)")
        }
    }

    deinit { close(fd) }

    /// How long a receive waits before it throws.
    public func setTimeout(_ timeout: Duration) {
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
    }

    public func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw Failure(description: "send: \(sent) of \(bytes.count), errno \(errno)") }
    }

    /// One read: the bytes, empty at end of stream; throws on timeout or error.
    public func receive(max: Int = 65_600) throws -> [UInt8] {
        var buffer = [UInt8](repeating: 0, count: max)
        let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, max, 0) }
        guard count >= 0 else { throw Failure(description: "recv: errno \(errno)") }
        return Array(buffer.prefix(count))
    }

    /// Exactly `count` bytes from a stream (nil if it ends first).
    public func receive(exactly count: Int) throws -> [UInt8]? {
        var out: [UInt8] = []
        while out.count < count {
            let chunk = try receive(max: count - out.count)
            if chunk.isEmpty { return nil }
            out += chunk
        }
        return out
    }

    /// One length-prefixed DNS message from a stream.
    public func receiveFrame() throws -> [UInt8]? {
        guard let prefix = try receive(exactly: 2) else { return nil }
        return try receive(exactly: Int(prefix[0]) << 8 | Int(prefix[1]))
    }

    /// True when the peer has closed the stream (read returns 0), waiting up to the timeout.
    public func isClosedByPeer() -> Bool {
        while true {
            guard let chunk = try? receive() else { return false }
            if chunk.isEmpty { return true }
        }
    }
}
