import BerthDNSWire
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A one-socket DNS client over UDP on 127.0.0.1, using Berth's own wire codec: how the
/// freshness measurement asks, again and again, until the answer changes.
final class DNSProbe {
    private let fd: Int32
    private var nextID: UInt16 = 1

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { throw BenchError("socket: errno \(errno)") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else {
            close(fd)
            throw BenchError("connect: errno \(errno)")
        }
    }

    deinit { close(fd) }

    /// One query (with EDNS, 1232 bytes) and its answer; throws on a timeout.
    func ask(_ name: String, _ type: DNSType, timeout: Duration = .seconds(1)) throws -> DNSMessage {
        nextID &+= 1
        let id = nextID
        let query = try DNSMessage(
            header: DNSHeader(id: id, isResponse: false), questions: [DNSQuestion(name: DNSName(name), type: type)], edns: DNSEDNS()
        ).encode()
        guard query.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, 0) }) == query.count else { throw BenchError("send: errno \(errno)") }
        var tv = timeval(tv_sec: Int(timeout.components.seconds), tv_usec: Int(timeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let count = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { throw BenchError("no DNS answer to \(name) within \(timeout)") }
            let message = try DNSMessage(parsing: buffer[0..<count])
            if message.header.id == id { return message }  // a late answer to an earlier query: skip it
        }
    }
}
