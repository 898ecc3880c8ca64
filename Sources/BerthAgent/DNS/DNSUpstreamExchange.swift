import BerthDNSWire
import NIOCore
import NIOPosix
import Synchronization

/// Where a query goes: an upstream's address, and the event loops whose threads are in the
/// network namespace the upstream is reached from: the agent's for the Berth server; nil for
/// the node's resolvers, reached from the loop the query came in on (in the node's namespace).
/// Sockets are made on the chosen loop's thread, hence in its namespace.
struct DNSUpstream: Sendable {
    var address: SocketAddress
    var group: (any EventLoopGroup)?
}

/// One query's trip upstream, as a resolver that cannot be poisoned makes it:
/// - over UDP on a socket of its own, bound to a port the kernel picks at random and connected
///   to the upstream (the kernel drops datagrams from any other address or port), under a
///   random 16-bit id;
/// - accepted only when `DNSForwardMatch` finds it is the answer to what was sent (a response,
///   that id, that question); anything else is ignored while the real answer is awaited;
/// - asked again over TCP to the same upstream when the answer is truncated (the truncated one
///   is kept if TCP fails);
/// - given up (nil) after `timeout` per leg, its socket closed.
enum DNSUpstreamExchange {
    /// The answer to `query` (whose id is replaced on the way; the caller restores its own), or
    /// nil. `question` is the query's question as sent (`DNSQuery.questionBytes`).
    /// `caller` is the loop the query came in on, used when the upstream names none.
    static func run(
        query: [UInt8], question: [UInt8], upstream: DNSUpstream, caller: any EventLoop, timeout: TimeAmount
    ) -> EventLoopFuture<[UInt8]?> {
        let loop = upstream.group?.next() ?? caller
        let exchange = { @Sendable in
            udp(query: query, question: question, upstream: upstream.address, loop: loop, timeout: timeout).flatMap { answer in
                guard let answer, DNSForwardMatch.isTruncated(answer) else { return loop.makeSucceededFuture(answer) }
                return tcp(query: query, question: question, upstream: upstream.address, loop: loop, timeout: timeout).map { $0 ?? answer }
            }
        }
        return loop.inEventLoop ? exchange() : loop.flatSubmit(exchange)
    }

    private static func udp(
        query: [UInt8], question: [UInt8], upstream: SocketAddress, loop: any EventLoop, timeout: TimeAmount
    ) -> EventLoopFuture<[UInt8]?> {
        let id = UInt16.random(in: .min ... .max)
        let result = DNSExchangeResult(loop.makePromise(of: [UInt8]?.self))
        let wildcard: SocketAddress
        do { wildcard = try SocketAddress(ipAddress: "0.0.0.0", port: 0) } catch { return loop.makeSucceededFuture(nil) }
        DatagramBootstrap(group: loop)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(
                        DNSUpstreamUDPHandler(upstream: upstream, id: id, question: question, result: result)
                    )
                }
            }
            .bind(to: wildcard)
            .whenComplete { bound in
                guard case .success(let channel) = bound else { return result.finish(nil) }
                result.closeOnFinish(channel)
                let timer = channel.eventLoop.scheduleTask(in: timeout) { result.finish(nil) }
                result.future.whenComplete { _ in timer.cancel() }
                channel.connect(to: upstream).flatMap {
                    channel.writeAndFlush(ByteBuffer(bytes: DNSForwardMatch.withID(query, id)))
                }.whenFailure { _ in result.finish(nil) }
            }
        return result.future
    }

    private static func tcp(
        query: [UInt8], question: [UInt8], upstream: SocketAddress, loop: any EventLoop, timeout: TimeAmount
    ) -> EventLoopFuture<[UInt8]?> {
        let id = UInt16.random(in: .min ... .max)
        let result = DNSExchangeResult(loop.makePromise(of: [UInt8]?.self))
        guard let frame = try? DNSTCPFramer.frame(DNSForwardMatch.withID(query, id)) else { return loop.makeSucceededFuture(nil) }
        ClientBootstrap(group: loop)
            .connectTimeout(timeout)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(DNSUpstreamTCPHandler(id: id, question: question, result: result))
                }
            }
            .connect(to: upstream)
            .whenComplete { connected in
                guard case .success(let channel) = connected else { return result.finish(nil) }
                result.closeOnFinish(channel)
                let timer = channel.eventLoop.scheduleTask(in: timeout) { result.finish(nil) }
                result.future.whenComplete { _ in timer.cancel() }
                channel.writeAndFlush(ByteBuffer(bytes: frame)).whenFailure { _ in result.finish(nil) }
            }
        return result.future
    }
}

/// An exchange's outcome, set once by whichever comes first (the answer, the timer, a failure);
/// the socket is closed then.
final class DNSExchangeResult: Sendable {
    private let promise: EventLoopPromise<[UInt8]?>
    private let done = Atomic<Bool>(false)

    init(_ promise: EventLoopPromise<[UInt8]?>) { self.promise = promise }

    var future: EventLoopFuture<[UInt8]?> { promise.futureResult }

    func finish(_ answer: [UInt8]?) {
        guard !done.exchange(true, ordering: .acquiringAndReleasing) else { return }
        promise.succeed(answer)
    }

    func closeOnFinish(_ channel: any Channel) {
        future.whenComplete { _ in channel.close(promise: nil) }
    }
}

/// Reads the connected UDP socket of one exchange: the first datagram that is the answer ends
/// it; anything else is ignored.
final class DNSUpstreamUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>

    let upstream: SocketAddress
    let id: UInt16
    let question: [UInt8]
    let result: DNSExchangeResult

    init(upstream: SocketAddress, id: UInt16, question: [UInt8], result: DNSExchangeResult) {
        self.upstream = upstream
        self.id = id
        self.question = question
        self.result = result
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        // The kernel already drops what the connected peer did not send; checked all the same.
        guard envelope.remoteAddress == upstream else { return }
        let bytes = Array(envelope.data.readableBytesView)
        guard DNSForwardMatch.isAnswer(bytes, id: id, question: question) else { return }
        result.finish(bytes)
    }

    func channelInactive(context: ChannelHandlerContext) {
        result.finish(nil)
        context.fireChannelInactive()
    }

    /// ICMP errors (port unreachable) and the like: the timer decides, not a packet anyone
    /// could forge.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Reads one length-prefixed answer from the upstream over TCP.
final class DNSUpstreamTCPHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    let id: UInt16
    let question: [UInt8]
    let result: DNSExchangeResult
    private var framer = DNSTCPFramer()

    init(id: UInt16, question: [UInt8], result: DNSExchangeResult) {
        self.id = id
        self.question = question
        self.result = result
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        let messages: [[UInt8]]
        do { messages = try framer.feed(buffer.readableBytesView) } catch { return result.finish(nil) }
        if let answer = messages.first(where: { DNSForwardMatch.isAnswer($0, id: id, question: question) }) { result.finish(answer) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        result.finish(nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        result.finish(nil)
    }
}
