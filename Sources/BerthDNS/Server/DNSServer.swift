import BerthCore
import NIOCore
import NIOPosix
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The DNS listener: one UDP socket per thread, all bound to the same port with SO_REUSEPORT so
/// the kernel spreads clients over them, and one TCP listener whose connections are spread over
/// the same threads. Its own event loop group, so a flood of DNS queries and the HTTP API do
/// not share threads.
public final class DNSServer: Sendable {
    public struct Options: Sendable {
        public var host = "127.0.0.1"
        /// 0 picks a free port (for UDP and TCP alike); see `port`.
        public var port = 8600
        /// Threads, hence UDP sockets. Default: one per core.
        public var threads = System.coreCount
        /// A TCP connection with no complete query for this long is closed (RFC 7766 6.2.3
        /// suggests seconds): idle clients and ones trickling bytes alike.
        public var tcpIdleTimeout: Duration = .seconds(10)
        /// More simultaneous TCP connections are closed as soon as they are accepted.
        public var maxTCPConnections = 256
        /// More simultaneous TCP connections from one client address are closed as soon as they
        /// are accepted (clients the rate limit exempts count only against the total).
        public var maxTCPConnectionsPerClient = 16
        /// Response-rate limiting per client /24 over UDP (on by default; loopback is exempt).
        public var rateLimit = DNSRateLimit()
        /// The longest query accepted over TCP; a longer length prefix closes the connection.
        /// Queries are one question and an OPT record: a few hundred bytes.
        public var maxTCPQuerySize = 4096
        /// Datagrams read per system call (`recvmmsg`).
        public var datagramsPerRead = 32

        public init() {}
    }

    /// The port bound, UDP and TCP.
    public let port: Int
    public let options: Options
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]
    let connections: DNSConnectionCount
    public let limiter: DNSRateLimiter

    private init(
        port: Int, options: Options, group: MultiThreadedEventLoopGroup, channels: [any Channel], connections: DNSConnectionCount,
        limiter: DNSRateLimiter
    ) {
        self.port = port
        self.options = options
        self.group = group
        self.channels = channels
        self.connections = connections
        self.limiter = limiter
    }

    /// Binds UDP and TCP on `options.host:options.port` and starts answering with `responder`.
    /// With port 0, the UDP port the kernel picked is taken for TCP too (retried with another
    /// if TCP's is in use).
    /// `clock` times the rate limit's buckets.
    public static func bind(responder: DNSResponder, options: Options, clock: any BerthClock = SystemClock()) async throws -> DNSServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: max(1, options.threads))
        // Named, so `top -H`, perf and the benchmark tell DNS's threads from the HTTP server's.
        for (number, loop) in group.makeIterator().enumerated() {
            try? await loop.submit { Thread.current.name = "berth-dns-\(number)" }.get()
        }
        let limiter = DNSRateLimiter(options: options.rateLimit, clock: clock)
        let connections = DNSConnectionCount(limit: options.maxTCPConnections, perClient: options.maxTCPConnectionsPerClient) {
            limiter.isExempt($0)
        }
        var attempt = 0
        while true {
            attempt += 1
            var channels: [any Channel] = []
            do {
                let udp = try await bindUDP(group: group, responder: responder, limiter: limiter, options: options)
                channels = udp.channels
                channels.append(try await bindTCP(group: group, port: udp.port, responder: responder, options: options, connections: connections))
                return DNSServer(
                    port: udp.port, options: options, group: group, channels: channels, connections: connections, limiter: limiter
                )
            } catch {
                for channel in channels { try? await channel.close() }
                if options.port == 0, attempt < 5, (error as? IOError)?.errnoCode == EADDRINUSE { continue }
                try? await group.shutdownGracefully()
                throw error
            }
        }
    }

    private static func bindUDP(
        group: MultiThreadedEventLoopGroup, responder: DNSResponder, limiter: DNSRateLimiter, options: Options
    ) async throws -> (channels: [any Channel], port: Int) {
        var channels: [any Channel] = []
        var port = options.port
        do {
            for loop in group.makeIterator() {
                let channel = try await DatagramBootstrap(group: loop)
                    .channelOption(.socketOption(.so_reuseaddr), value: 1)
                    .channelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
                    .channelOption(.datagramVectorReadMessageCount, value: options.datagramsPerRead)
                    .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * options.datagramsPerRead))
                    .channelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
                    .channelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(DNSUDPHandler(responder: responder, limiter: limiter))
                        }
                    }
                    .bind(host: options.host, port: port).get()
                channels.append(channel)
                port = channel.localAddress?.port ?? port
            }
        } catch {
            for channel in channels { try? await channel.close() }
            throw error
        }
        return (channels, port)
    }

    private static func bindTCP(
        group: MultiThreadedEventLoopGroup, port: Int, responder: DNSResponder, options: Options, connections: DNSConnectionCount
    ) async throws -> any Channel {
        let idle = TimeAmount.nanoseconds(Int64(options.tcpIdleTimeout.components.seconds) * 1_000_000_000
            + options.tcpIdleTimeout.components.attoseconds / 1_000_000_000)
        let maxQuery = options.maxTCPQuerySize
        return try await ServerBootstrap(group: group)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 4096))
            .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 128 * 1024))
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DNSTCPHandler(responder: responder, connections: connections, idleTimeout: idle, maxQuerySize: maxQuery)
                    )
                }
            }
            .bind(host: options.host, port: port).get()
    }

    /// Open TCP connections now.
    public var tcpConnections: Int { connections.current }

    /// Stops listening, closes every connection and the threads.
    public func close() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }
}
