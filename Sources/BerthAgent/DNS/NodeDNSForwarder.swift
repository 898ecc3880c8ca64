import BerthCore
import BerthDNSWire
import BerthNetwork
import Dispatch
import Foundation
import Logging
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The DNS server containers on this node use: it listens on the node bridge's address (each
/// container's gateway, so reachable from every container namespace) and forwards each query —
/// names in the Berth zone to the Berth server's DNS, every other name to the node's own
/// resolvers — and relays the answers back. The answers stay the server's: one zone, kept in
/// the server's memory, however many nodes ask.
///
/// Its sockets are made inside the node's network namespace (listener, upstream resolvers) or
/// in the agent's own (the server, on the agent's loopback), and served by one thread of its own
/// polling all three.
final class NodeDNSForwarder: Sendable {
    struct Configuration: Sendable {
        /// Where containers send queries: the node gateway, port 53.
        var listen: IPv4Address
        var namespace: String?
        /// The Berth zone (`berth.`) and the server's DNS address for it.
        var zone: DNSName
        var server: (address: IPv4Address, port: UInt16)
        /// The node's own resolvers, for every other name (from its resolv.conf).
        var upstreams: [IPv4Address]
    }

    let configuration: Configuration
    let logger: Logger

    init(configuration: Configuration, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// The node's resolvers: `/etc/netns/NAME/resolv.conf` for a named namespace (what `ip netns
    /// exec` shows its processes), else `/etc/resolv.conf`; loopback resolvers are skipped (they
    /// would be the agent's namespace's, not the node's).
    static func upstreams(namespace: String?) -> [IPv4Address] {
        let files = (namespace.map { ["/etc/netns/\($0)/resolv.conf"] } ?? []) + ["/etc/resolv.conf"]
        for file in files {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { continue }
            let servers = text.split(separator: "\n").compactMap { line -> IPv4Address? in
                let words = line.split(whereSeparator: \.isWhitespace)
                guard words.count >= 2, words[0] == "nameserver", let address = IPv4Address(words[1]), address.value >> 24 != 127 else { return nil }
                return address
            }
            return servers
        }
        return []
    }

    /// The resolv.conf a container of this node gets.
    static func resolvConf(gateway: IPv4Address, zone: DNSName) -> String {
        let domain = zone.description.hasSuffix(".") ? String(zone.description.dropLast()) : zone.description
        // ndots:1 keeps `web.service.berth` and `example.com` absolute on the first try, and
        // sends a bare `web` through the search list.
        return "nameserver \(gateway)\nsearch service.\(domain)\noptions ndots:1 timeout:2 attempts:2\n"
    }

    /// Binds and serves until cancelled.
    func run() async throws {
        let sockets = try await openSockets()
        logger.info("node DNS forwarder listening", metadata: [
            "address": "\(configuration.listen):53", "zone": "\(configuration.zone)",
            "server": "\(configuration.server.address):\(configuration.server.port)", "upstreams": "\(configuration.upstreams)",
        ])
        let stop = StopFlag()
        await withTaskCancellationHandler {
            await withCheckedContinuation { (done: CheckedContinuation<Void, Never>) in
                let thread = Thread { [self] in
                    serve(sockets, stop: stop)
                    for fd in [sockets.listener, sockets.node, sockets.server] { close(fd) }
                    done.resume()
                }
                thread.name = "berth-dns-forwarder"
                thread.start()
            }
        } onCancel: {
            stop.set()
        }
    }

    struct Sockets: Sendable {
        var listener: Int32
        /// For the node's resolvers, in the node's namespace.
        var node: Int32
        /// For the Berth server, in the agent's namespace.
        var server: Int32
    }

    private func openSockets() async throws -> Sockets {
        let thread = try configuration.namespace.map { try NamespaceThread(namespace: $0) }
        func socketInNode() async throws -> Int32 {
            if let thread { return try await thread.socket(domain: AF_INET, type: Int32(SOCK_DGRAM.rawValue)) }
            return try Self.check(socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
        }
        let listener = try await socketInNode()
        var reuse: Int32 = 1
        setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &reuse, socklen_t(MemoryLayout<Int32>.size))
        var address = Self.sockaddr(configuration.listen, port: 53)
        _ = try Self.check(withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }, "bind \(configuration.listen):53")
        let node = try await socketInNode()
        let server = try Self.check(socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0), "socket")
        for fd in [listener, node, server] { _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) }
        return Sockets(listener: listener, node: node, server: server)
    }

    private func serve(_ sockets: Sockets, stop: StopFlag) {
        var table = DNSForwardTable<ClientAddress>()
        var buffer = [UInt8](repeating: 0, count: 65_535)
        var upstream = 0
        let start = DispatchTime.now().uptimeNanoseconds
        func now() -> Duration { .nanoseconds(Int64(DispatchTime.now().uptimeNanoseconds - start)) }
        var fds = [sockets.listener, sockets.node, sockets.server].map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
        while !stop.isSet {
            guard poll(&fds, nfds_t(fds.count), 250) > 0 else { continue }
            for index in fds.indices where fds[index].revents & Int16(POLLIN) != 0 {
                while let (count, from) = Self.receive(fds[index].fd, into: &buffer) {
                    let packet = buffer[..<count]
                    if fds[index].fd == sockets.listener {
                        forward(packet, from: from, sockets: sockets, table: &table, upstream: &upstream, now: now())
                    } else {
                        relay(packet, sockets: sockets, table: &table, now: now())
                    }
                }
            }
        }
    }

    /// A container's query: to the server if it is in the zone, else to a node resolver.
    private func forward(_ packet: ArraySlice<UInt8>, from client: sockaddr_in, sockets: Sockets,
                         table: inout DNSForwardTable<ClientAddress>, upstream: inout Int, now: Duration) {
        let query: DNSQuery
        do {
            query = try DNSQuery.parse(packet)
        } catch {
            var reply: [UInt8] = []
            if error.writeResponse(into: &reply) { Self.send(sockets.listener, reply[...], to: client) }
            return
        }
        let inZone = query.name.isSubdomain(of: configuration.zone)
        guard inZone || !configuration.upstreams.isEmpty else {
            var reply: [UInt8] = []
            query.writeResponse(rcode: .serverFailure, into: &reply)
            Self.send(sockets.listener, reply[...], to: client)
            return
        }
        guard let id = table.forward(client: ClientAddress(client), clientID: query.id, now: now) else { return }
        var outgoing = Array(packet)
        outgoing[0] = UInt8(id >> 8)
        outgoing[1] = UInt8(id & 0xff)
        if inZone {
            Self.send(sockets.server, outgoing[...], to: Self.sockaddr(configuration.server.address, port: configuration.server.port))
        } else {
            upstream = (upstream + 1) % configuration.upstreams.count
            Self.send(sockets.node, outgoing[...], to: Self.sockaddr(configuration.upstreams[upstream], port: 53))
        }
    }

    /// An upstream answer: back to the client that asked, under its own id.
    private func relay(_ packet: ArraySlice<UInt8>, sockets: Sockets, table: inout DNSForwardTable<ClientAddress>, now: Duration) {
        guard packet.count >= 12 else { return }
        let id = UInt16(packet[packet.startIndex]) << 8 | UInt16(packet[packet.startIndex + 1])
        guard let (client, clientID) = table.answer(id: id, now: now) else { return }
        var reply = Array(packet)
        reply[0] = UInt8(clientID >> 8)
        reply[1] = UInt8(clientID & 0xff)
        Self.send(sockets.listener, reply[...], to: client.socket)
    }

    private static func receive(_ fd: Int32, into buffer: inout [UInt8]) -> (Int, sockaddr_in)? {
        var from = sockaddr_in()
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let count = buffer.withUnsafeMutableBytes { bytes in
            withUnsafeMutablePointer(to: &from) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
            }
        }
        return count > 0 ? (count, from) : nil
    }

    private static func send(_ fd: Int32, _ bytes: ArraySlice<UInt8>, to address: sockaddr_in) {
        var address = address
        _ = bytes.withUnsafeBytes { raw in
            withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: Glibc.sockaddr.self, capacity: 1) {
                    sendto(fd, raw.baseAddress, raw.count, Int32(MSG_DONTWAIT), $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
    }

    static func sockaddr(_ address: IPv4Address, port: UInt16) -> sockaddr_in {
        var out = sockaddr_in()
        out.sin_family = sa_family_t(AF_INET)
        out.sin_port = port.bigEndian
        out.sin_addr.s_addr = address.value.bigEndian
        return out
    }

    private static func check(_ result: Int32, _ what: String) throws -> Int32 {
        guard result >= 0 else { throw DriverError("\(what): \(String(cString: strerror(errno)))") }
        return result
    }
}

/// Set once to end the forwarder's thread (it polls in 250 ms steps).
final class StopFlag: Sendable {
    private let flag = Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}

/// A client's address and port, as the forward table keys it.
struct ClientAddress: Hashable {
    var address: UInt32
    var port: UInt16

    init(_ socket: sockaddr_in) {
        address = socket.sin_addr.s_addr
        port = socket.sin_port
    }

    var socket: sockaddr_in {
        var out = sockaddr_in()
        out.sin_family = sa_family_t(AF_INET)
        out.sin_addr.s_addr = address
        out.sin_port = port
        return out
    }
}
