import BerthDNSWire
import NIOCore
import Synchronization

/// TCP connections open to the forwarder per client address, against a cap.
final class DNSForwardConnections: Sendable {
    private let open = Mutex<[UInt32: Int]>([:])
    let perClient: Int

    init(perClient: Int) { self.perClient = max(1, perClient) }

    func acquire(_ client: UInt32) -> Bool {
        open.withLock { open in
            let held = open[client, default: 0]
            guard held < perClient else { return false }
            open[client] = held + 1
            return true
        }
    }

    func release(_ client: UInt32) {
        open.withLock { open in
            let held = open[client, default: 0]
            open[client] = held > 1 ? held - 1 : nil
        }
    }
}

/// A client's DNS-over-TCP connection to the forwarder (it comes after a truncated answer):
/// length-prefixed queries, each handed to the router, answers written back as they come (out of
/// order if so, as RFC 7766 allows). At most `perClient` connections per address, queries of at
/// most 4 KiB, and closed after `idleTimeout` with no complete query.
final class DNSForwardTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let router: DNSForwardRouter
    private let connections: DNSForwardConnections
    private let idleTimeout: TimeAmount
    private var framer = DNSTCPFramer(maxMessageSize: 4096)
    private var client: UInt32?
    private var idleTimer: Scheduled<Void>?

    init(router: DNSForwardRouter, connections: DNSForwardConnections, idleTimeout: TimeAmount) {
        self.router = router
        self.connections = connections
        self.idleTimeout = idleTimeout
    }

    func channelActive(context: ChannelHandlerContext) {
        guard case .v4(let address) = context.channel.remoteAddress else { return context.close(promise: nil) }
        let client = UInt32(bigEndian: address.address.sin_addr.s_addr)
        guard connections.acquire(client) else { return context.close(promise: nil) }
        self.client = client
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        if let client { connections.release(client) }
        client = nil
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let client else { return }
        let buffer = unwrapInboundIn(data)
        let messages: [[UInt8]]
        do { messages = try framer.feed(buffer.readableBytesView) } catch { return context.close(promise: nil) }
        guard !messages.isEmpty else { return }
        armIdleTimer(context: context)
        let channel = context.channel
        for message in messages {
            router.handle(message, client: client, on: context.eventLoop) { answer, _ in
                guard let frame = try? DNSTCPFramer.frame(answer) else { return }
                channel.writeAndFlush(ByteBuffer(bytes: frame), promise: nil)
            }
        }
    }

    /// Reads stop while the client does not take its answers.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let channel = context.channel
        idleTimer = context.eventLoop.scheduleTask(in: idleTimeout) { channel.close(promise: nil) }
    }
}
