import BerthDNSWire
import NIOCore
import Synchronization

/// How many TCP connections are open, against the cap: shared by every accepted connection.
final class DNSConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    let limit: Int

    init(limit: Int) { self.limit = limit }

    /// Takes a place; false when all are taken (the caller closes the connection).
    func acquire() -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        if now > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func release() { open.subtract(1, ordering: .relaxed) }

    var current: Int { open.load(ordering: .relaxed) }
}

/// DNS over TCP (RFC 7766) on one connection: length-prefixed queries, pipelined, answered in
/// order, each in full (up to 65,535 bytes).
///
/// Bounded by construction: at most `DNSServer.Options.maxTCPQuerySize` bytes of an incomplete
/// query are kept (a longer length prefix closes the connection, as does one under 12); reads
/// stop while the client does not take its answers (the channel is over its write high-water
/// mark); and the connection is closed when no complete query arrives for `idleTimeout`, so a
/// client that trickles a byte at a time cannot hold it open.
final class DNSTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let responder: DNSResponder
    private let connections: DNSConnectionCount
    private let idleTimeout: TimeAmount
    private var session: DNSResponder.Session
    private var framer: DNSTCPFramer
    private var scratch: [UInt8] = []
    private var pending: [UInt8] = []
    private var idleTimer: Scheduled<Void>?
    private var counted = false

    init(responder: DNSResponder, connections: DNSConnectionCount, idleTimeout: TimeAmount, maxQuerySize: Int) {
        self.responder = responder
        self.connections = connections
        self.idleTimeout = idleTimeout
        self.session = DNSResponder.Session(metrics: responder.metrics)
        self.framer = DNSTCPFramer(maxMessageSize: maxQuerySize)
    }

    func channelActive(context: ChannelHandlerContext) {
        guard connections.acquire() else {
            context.close(promise: nil)
            return
        }
        counted = true
        armIdleTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        idleTimer = nil
        if counted {
            counted = false
            connections.release()
        }
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        var answered = false
        do {
            try buffer.withUnsafeReadableBytes { chunk throws(DNSWireError) in
                try framer.feed(chunk) { message in
                    scratch.removeAll(keepingCapacity: true)
                    guard responder.respond(to: message, over: .tcp, session: &session, into: &scratch) else { return }
                    try? DNSTCPFramer.appendFrame(scratch, to: &pending)
                    answered = true
                }
            }
        } catch {
            // A length under 12 or over the limit: the stream cannot be trusted any more.
            flushPending(context: context)
            context.close(promise: nil)
            return
        }
        if answered { armIdleTimer(context: context) }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushPending(context: context)
    }

    /// Reads resume once the client has taken enough of its answers.
    func channelWritabilityChanged(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private func flushPending(context: ChannelHandlerContext) {
        guard !pending.isEmpty else { return }
        var buffer = context.channel.allocator.buffer(capacity: pending.count)
        buffer.writeBytes(pending)
        pending.removeAll(keepingCapacity: pending.capacity <= 4096)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
        if !context.channel.isWritable {
            try? context.channel.syncOptions?.setOption(ChannelOptions.autoRead, value: false)
        }
    }

    /// (Re)starts the countdown to closing: at the connection's start and after each answer.
    private func armIdleTimer(context: ChannelHandlerContext) {
        idleTimer?.cancel()
        let channel = context.channel
        idleTimer = context.eventLoop.scheduleTask(in: idleTimeout) { channel.close(promise: nil) }
    }
}
