import BerthDNSWire
import NIOCore

/// The forwarder's UDP listener: each datagram handed to the router, its answer sent back to
/// the address and port it came from. An answer bigger than the client may take over UDP (one
/// fetched over TCP after a truncated one) goes back cut to its question with TC, so the client
/// asks again over TCP.
final class DNSForwardUDPHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private let router: DNSForwardRouter

    init(router: DNSForwardRouter) { self.router = router }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard case .v4(let address) = envelope.remoteAddress else { return }
        let client = UInt32(bigEndian: address.address.sin_addr.s_addr)
        let channel = context.channel
        let remote = envelope.remoteAddress
        router.handle(Array(envelope.data.readableBytesView), client: client, on: context.eventLoop) { answer, query in
            var answer = answer
            if answer.count > Self.udpLimit(query) { DNSSlip.truncate(&answer) }
            // Over the send buffer's high-water mark, dropped as the network would drop it.
            guard channel.isWritable else { return }
            channel.writeAndFlush(AddressedEnvelope(remoteAddress: remote, data: ByteBuffer(bytes: answer)), promise: nil)
        }
    }

    /// The largest UDP answer the client takes: 512 without EDNS, else what it says.
    static func udpLimit(_ query: DNSQuery?) -> Int {
        guard let size = query?.edns?.udpPayloadSize else { return DNSEDNS.classicUDPSize }
        return max(DNSEDNS.classicUDPSize, Int(size))
    }

    /// ICMP errors from clients that went away: the socket stays open for everyone else.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}
