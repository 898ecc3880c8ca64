import BerthDNSWire
import NIOCore

/// Answers the datagrams of one UDP socket (one per server thread). Reads come in batches
/// (`recvmmsg`, see `DNSServer`), each answer is written as it is made, and one flush per
/// batch hands them to the kernel together (`sendmmsg`). The rate limiter has its say first:
/// a dropped response is never made, a slipped one is cut to header and question with TC.
final class DNSUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let responder: DNSResponder
    private let limiter: DNSRateLimiter
    private var session: DNSResponder.Session
    /// Reused for every response: answering allocates no array once it has grown.
    private var scratch: [UInt8] = []

    init(responder: DNSResponder, limiter: DNSRateLimiter) {
        self.responder = responder
        self.limiter = limiter
        self.session = DNSResponder.Session(metrics: responder.metrics)
        scratch.reserveCapacity(Int(1232))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        var verdict = DNSRateLimitVerdict.answer
        if limiter.isEnabled, case .v4(let address) = envelope.remoteAddress {
            verdict = limiter.admit(DNSIPv4Address(rawValue: UInt32(bigEndian: address.address.sin_addr.s_addr)))
            if verdict == .drop { return }
        }
        scratch.removeAll(keepingCapacity: true)
        let answered = envelope.data.withUnsafeReadableBytes { bytes in
            responder.respond(to: bytes, over: .udp, session: &session, into: &scratch)
        }
        if answered, verdict == .slip { DNSSlip.truncate(&scratch) }
        // Over the send buffer's high-water mark (a flood the kernel cannot send as fast), the
        // answer is dropped as the network would drop it, rather than queued without bound.
        guard answered, context.channel.isWritable else { return }
        var buffer = context.channel.allocator.buffer(capacity: scratch.count)
        buffer.writeBytes(scratch)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: buffer)), promise: nil)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    /// A UDP socket reports errors it should survive (an ICMP port unreachable from a client
    /// that went away, a full send buffer): the socket stays open for everyone else.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
