import BerthDNSWire
import NIOCore
import Synchronization

/// How many TCP connections are open, against the cap, in all and per client address: shared
/// by every accepted connection.
final class DNSConnectionCount: Sendable {
    private let open = Atomic<Int>(0)
    private let perAddress = Mutex<[UInt32: Int]>([:])
    let limit: Int
    let perClient: Int
    private let isExempt: @Sendable (DNSIPv4Address) -> Bool

    init(limit: Int, perClient: Int = .max, isExempt: @escaping @Sendable (DNSIPv4Address) -> Bool = { _ in false }) {
        self.limit = limit
        self.perClient = perClient
        self.isExempt = isExempt
    }

    /// Takes a place for a connection from `client` (nil: not IPv4, counted in the total only);
    /// false when all are taken, or all of the client's (the caller closes the connection).
    func acquire(client: DNSIPv4Address?) -> Bool {
        let now = open.add(1, ordering: .relaxed).newValue
        if now > limit {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        guard let client, !isExempt(client) else { return true }
        let admitted = perAddress.withLock { counts in
            let held = counts[client.rawValue, default: 0]
            guard held < perClient else { return false }
            counts[client.rawValue] = held + 1
            return true
        }
        if !admitted { open.subtract(1, ordering: .relaxed) }
        return admitted
    }

    /// Gives back what `acquire(client:)` took for the same client.
    func release(client: DNSIPv4Address?) {
        open.subtract(1, ordering: .relaxed)
        guard let client, !isExempt(client) else { return }
        perAddress.withLock { counts in
            let held = counts[client.rawValue, default: 0]
            if held <= 1 { counts[client.rawValue] = nil } else { counts[client.rawValue] = held - 1 }
        }
    }

    var current: Int { open.load(ordering: .relaxed) }

    /// Connections open from `client` that count against its cap.
    func current(client: DNSIPv4Address) -> Int { perAddress.withLock { $0[client.rawValue, default: 0] } }
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
    /// Set once the connection holds a place in `connections`; the client it was counted for.
    private var counted = false
    private var client: DNSIPv4Address?

    init(responder: DNSResponder, connections: DNSConnectionCount, idleTimeout: TimeAmount, maxQuerySize: Int) {
        self.responder = responder
        self.connections = connections
        self.idleTimeout = idleTimeout
        self.session = DNSResponder.Session(metrics: responder.metrics)
        self.framer = DNSTCPFramer(maxMessageSize: maxQuerySize)
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .v4(let address) = context.channel.remoteAddress {
            client = DNSIPv4Address(rawValue: UInt32(bigEndian: address.address.sin_addr.s_addr))
        }
        guard connections.acquire(client: client) else {
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
            connections.release(client: client)
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
