import BerthCore
import BerthDNSWire
import BerthNetwork
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import NIOCore
import NIOPosix

/// The DNS server containers on this node use: it listens on the node bridge's address (each
/// container's gateway, so reachable from every container namespace), UDP and TCP, and forwards
/// each query — names in the Berth zone to the Berth server's DNS, every other name to the
/// node's own resolvers — and relays the answers back. The answers stay the server's: one zone,
/// kept in the server's memory, however many nodes ask.
///
/// Built so that a container can neither poison nor starve it (see `DNSUpstreamExchange`): each
/// upstream query on a socket of its own with a random port and id, only the upstream's answer
/// to that very question accepted, TCP when the answer is truncated, and a bound on each
/// container's queries in flight (`DNSForwardBudget`).
///
/// Two event loop groups of its own (`threads` each): one whose threads live in the node's
/// network namespace (a UDP listener per thread on one port with SO_REUSEPORT, the TCP listener,
/// the sockets to the node's resolvers), one in the agent's (the sockets to the server, on the
/// agent's loopback).
final class NodeDNSForwarder: Sendable {
    struct Configuration: Sendable {
        /// Where containers send queries: the node gateway, port 53 (0 in tests: any free port).
        var listen: IPv4Address
        var listenPort = 53
        var namespace: String?
        /// The Berth zone (`berth.`) and the server's DNS address for it.
        var zone: DNSName
        var server: (address: IPv4Address, port: UInt16)
        /// The node's own resolvers, for every other name (from its resolv.conf), on `upstreamPort`.
        var upstreams: [IPv4Address]
        var upstreamPort: UInt16 = 53
        /// Queries one container may have upstream at once; more get SERVFAIL.
        var maxOutstandingPerClient = 64
        /// Queries upstream at once, all containers together (at most a quarter of the open
        /// files the process may have; the soft limit is raised to the hard one at start).
        var maxOutstanding = 8192
        /// How long an upstream has to answer, over UDP and then over TCP.
        var upstreamTimeout: Duration = .seconds(2)
        /// Threads in the node's namespace (each with a UDP listener, SO_REUSEPORT) and as many
        /// in the agent's for the server.
        var threads = 2
        /// TCP connections one container may hold to the forwarder.
        var maxTCPConnectionsPerClient = 8
        /// A TCP connection with no complete query for this long is closed.
        var tcpIdleTimeout: Duration = .seconds(10)
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
        let running = try await start()
        logger.info("node DNS forwarder listening", metadata: [
            "address": "\(configuration.listen):\(running.port)", "zone": "\(configuration.zone)",
            "server": "\(configuration.server.address):\(configuration.server.port)", "upstreams": "\(configuration.upstreams)",
        ])
        while !Task.isCancelled { try? await Task.sleep(for: .seconds(3600)) }
        await running.close()
    }

    /// The forwarder's sockets and threads while it serves.
    final class Running: Sendable {
        /// The port bound, UDP and TCP.
        let port: Int
        let budget: DNSForwardBudget
        private let channels: [any Channel]
        private let groups: [MultiThreadedEventLoopGroup]

        fileprivate init(port: Int, budget: DNSForwardBudget, channels: [any Channel], groups: [MultiThreadedEventLoopGroup]) {
            self.port = port
            self.budget = budget
            self.channels = channels
            self.groups = groups
        }

        func close() async {
            for channel in channels { try? await channel.close() }
            for group in groups { try? await group.shutdownGracefully() }
        }
    }

    /// Binds UDP and TCP on `listen:listenPort` and starts forwarding.
    func start() async throws -> Running {
        let threads = max(1, configuration.threads)
        let node = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let agent = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        do {
            let namespace = configuration.namespace
            for (number, loop) in node.makeIterator().enumerated() {
                try await loop.submit {
                    Thread.current.name = "berth-dns-fwd-\(number)"
                    if let namespace { try NamespaceThread.enterCurrentThread(namespace: namespace) }
                }.get()
            }
            for (number, loop) in agent.makeIterator().enumerated() {
                try? await loop.submit { Thread.current.name = "berth-dns-fwd-srv-\(number)" }.get()
            }
            let router = try makeRouter(agent: agent)
            let channels = try await bind(router: router, on: node)
            return Running(port: channels.port, budget: router.budget, channels: channels.channels, groups: [node, agent])
        } catch {
            try? await node.shutdownGracefully()
            try? await agent.shutdownGracefully()
            throw error
        }
    }

    /// Raises the soft limit on open files to the hard one, as Go programs do at start: every
    /// query in flight holds a socket. Returns the soft limit now.
    static func raiseOpenFileLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 1024 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return Int(clamping: limit.rlim_cur)
    }

    private func makeRouter(agent: MultiThreadedEventLoopGroup) throws -> DNSForwardRouter {
        // Queries in flight may hold at most a quarter of the open files the agent may have.
        let total = min(configuration.maxOutstanding, max(64, Self.raiseOpenFileLimit() / 4))
        let server = try SocketAddress(ipAddress: "\(configuration.server.address)", port: Int(configuration.server.port))
        let resolvers = try configuration.upstreams.map {
            DNSUpstream(address: try SocketAddress(ipAddress: "\($0)", port: Int(configuration.upstreamPort)), group: nil)
        }
        return DNSForwardRouter(
            zone: configuration.zone, server: DNSUpstream(address: server, group: agent), resolvers: resolvers,
            budget: DNSForwardBudget(perClient: configuration.maxOutstandingPerClient, total: total),
            timeout: Self.timeAmount(configuration.upstreamTimeout)
        )
    }

    /// The listeners, each made on a node loop's thread so they are in the node's namespace.
    private func bind(router: DNSForwardRouter, on group: MultiThreadedEventLoopGroup) async throws -> (channels: [any Channel], port: Int) {
        // With port 0 the UDP sockets take a free port and TCP must bind the same number, which
        // a TCP socket elsewhere may hold: that clash draws a new port, a few times.
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try await bindOnce(router: router, on: group)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && configuration.listenPort == 0 && attempt < 20 {
                continue
            }
        }
    }

    private func bindOnce(router: DNSForwardRouter, on group: MultiThreadedEventLoopGroup) async throws -> (channels: [any Channel], port: Int) {
        let host = "\(configuration.listen)"
        let connections = DNSForwardConnections(perClient: configuration.maxTCPConnectionsPerClient)
        let idle = Self.timeAmount(configuration.tcpIdleTimeout)
        let listenPort = configuration.listenPort
        var udp: [any Channel] = []
        var port = listenPort
        do {
            for loop in group.makeIterator() {
                let bindPort = port
                let channel = try await loop.flatSubmit {
                    DatagramBootstrap(group: loop)
                        .channelOption(.socketOption(.so_reuseaddr), value: 1)
                        .channelOption(ChannelOptions.socket(SocketOptionLevel(SOL_SOCKET), SO_REUSEPORT), value: 1)
                        .channelOption(.writeBufferWaterMark, value: .init(low: 256 * 1024, high: 1024 * 1024))
                        .channelInitializer { channel in
                            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(DNSForwardUDPHandler(router: router)) }
                        }
                        .bind(host: host, port: bindPort)
                }.get()
                udp.append(channel)
                port = channel.localAddress?.port ?? port
            }
            let loop = group.next()
            let tcpPort = port
            let tcp = try await loop.flatSubmit {
                ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .serverChannelOption(.backlog, value: 128)
                    .childChannelOption(.writeBufferWaterMark, value: .init(low: 32 * 1024, high: 128 * 1024))
                    .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(
                                DNSForwardTCPHandler(router: router, connections: connections, idleTimeout: idle)
                            )
                        }
                    }
                    .bind(host: host, port: tcpPort)
            }.get()
            return (udp + [tcp], port)
        } catch {
            for channel in udp { try? await channel.close() }
            throw error
        }
    }

    static func timeAmount(_ duration: Duration) -> TimeAmount {
        .nanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
    }
}
