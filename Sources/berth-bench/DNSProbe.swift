import BerthDNSWire
import BerthHarness
import Foundation

/// A one-socket DNS client over UDP on 127.0.0.1, using Berth's own wire codec: how the
/// freshness measurement asks, again and again, until the answer changes.
final class DNSProbe {
    private let socket: LoopbackSocket
    private var nextID: UInt16 = 1

    init(port: Int) throws {
        do { socket = try LoopbackSocket(port: port, tcp: false) } catch { throw BenchError("DNS probe to port \(port): \(error)") }
    }

    /// One query (with EDNS, 1232 bytes) and its answer; throws on a timeout.
    func ask(_ name: String, _ type: DNSType, timeout: Duration = .seconds(1)) throws -> DNSMessage {
        nextID &+= 1
        let id = nextID
        let query = try DNSMessage(
            header: DNSHeader(id: id, isResponse: false), questions: [DNSQuestion(name: DNSName(name), type: type)], edns: DNSEDNS()
        ).encode()
        socket.setTimeout(timeout)
        do { try socket.send(Array(query)) } catch { throw BenchError("DNS probe: \(error)") }
        while true {
            guard let datagram = try? socket.receive(), !datagram.isEmpty else { throw BenchError("no DNS answer to \(name) within \(timeout)") }
            let message = try DNSMessage(parsing: datagram[...])
            if message.header.id == id { return message }  // a late answer to an earlier query: skip it
        }
    }
}
