import BerthDNSWire
import NIOCore
import NIOPosix
import Synchronization

/// A DNS server on 127.0.0.1 (UDP and TCP on one port) for the forwarder's tests, answering by
/// the question's first label:
/// - `hold`, `blackhole`: never answers;
/// - `big`: over UDP a truncated, empty answer; over TCP 40 A records;
/// - `spoof`: first forged answers (another source port with the right id and question, then its
///   own socket with a wrong id, then the right id with another question), all 6.6.6.6, then the
///   real one;
/// - anything else: one A record, `address`.
/// It notes every query it gets (source port, id, name, transport).
final class FakeUpstream: Sendable {
    struct Seen: Sendable {
        var sourcePort: Int
        var id: UInt16
        var name: String
        var overTCP: Bool
    }

    static let forged = DNSIPv4Address(6, 6, 6, 6)

    let address: DNSIPv4Address
    let port: Int
    private let group: MultiThreadedEventLoopGroup
    private let channels: [any Channel]
    private let log: Log

    private final class Log: Sendable {
        let entries = Mutex<[Seen]>([])
    }

    private init(address: DNSIPv4Address, port: Int, group: MultiThreadedEventLoopGroup, channels: [any Channel], log: Log) {
        self.address = address
        self.port = port
        self.group = group
        self.channels = channels
        self.log = log
    }

    var seen: [Seen] { log.entries.withLock { $0 } }

    static func start(answering address: DNSIPv4Address) async throws -> FakeUpstream {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let log = Log()
        let record: @Sendable (Seen) -> Void = { seen in log.entries.withLock { $0.append(seen) } }
        // The spoofer's own socket: another source port on the same address.
        let spoofer = try await DatagramBootstrap(group: group).bind(host: "127.0.0.1", port: 0).get()
        // UDP and TCP on one port: the UDP socket takes a free port, and TCP may find that
        // number taken (another test's connection holds it), so a clash draws a new pair.
        var attempt = 0
        while true {
            attempt += 1
            let udp = try await DatagramBootstrap(group: group)
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(UDPSide(address: address, spoofer: spoofer, record: record))
                    }
                }
                .bind(host: "127.0.0.1", port: 0).get()
            let port = udp.localAddress!.port!
            do {
                let tcp = try await ServerBootstrap(group: group)
                    .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                    .childChannelInitializer { channel in
                        channel.eventLoop.makeCompletedFuture {
                            try channel.pipeline.syncOperations.addHandler(TCPSide(address: address, record: record))
                        }
                    }
                    .bind(host: "127.0.0.1", port: port).get()
                return FakeUpstream(address: address, port: port, group: group, channels: [spoofer, udp, tcp], log: log)
            } catch let error as IOError where error.errnoCode == EADDRINUSE && attempt < 20 {
                try? await udp.close().get()
            }
        }
    }

    func close() async {
        for channel in channels { try? await channel.close() }
        try? await group.shutdownGracefully()
    }

    /// The answer to `query` from a server answering `address`, or nil for no answer.
    static func answer(_ query: DNSMessage, address: DNSIPv4Address, overTCP: Bool) -> [UInt8]? {
        guard let question = query.questions.first else { return nil }
        let label = question.name.description.split(separator: ".").first.map(String.init) ?? ""
        if label == "hold" || label == "blackhole" { return nil }
        var header = DNSHeader(id: query.header.id, isResponse: true, recursionDesired: true, recursionAvailable: true)
        var answers = [DNSRecord(name: question.name, ttl: 5, data: .a(address))]
        if label == "big" {
            if overTCP {
                answers = (0..<40).map { DNSRecord(name: question.name, ttl: 5, data: .a(DNSIPv4Address(10, 1, 0, UInt8($0)))) }
            } else {
                header.isTruncated = true
                answers = []
            }
        }
        return try? DNSMessage(header: header, questions: [question], answers: answers, edns: query.edns.map { _ in DNSEDNS() }).encode()
    }

    private final class UDPSide: ChannelInboundHandler {
        typealias InboundIn = AddressedEnvelope<ByteBuffer>
        typealias OutboundOut = AddressedEnvelope<ByteBuffer>
        let address: DNSIPv4Address
        let spoofer: any Channel
        let record: @Sendable (Seen) -> Void

        init(address: DNSIPv4Address, spoofer: any Channel, record: @escaping @Sendable (Seen) -> Void) {
            self.address = address
            self.spoofer = spoofer
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let envelope = unwrapInboundIn(data)
            guard let query = try? DNSMessage(parsing: Array(envelope.data.readableBytesView)), let question = query.questions.first else { return }
            record(Seen(sourcePort: envelope.remoteAddress.port ?? 0, id: query.header.id, name: question.name.description, overTCP: false))
            let to = envelope.remoteAddress
            func send(_ bytes: [UInt8]?, via channel: any Channel) {
                guard let bytes else { return }
                channel.writeAndFlush(AddressedEnvelope(remoteAddress: to, data: ByteBuffer(bytes: bytes)), promise: nil)
            }
            if question.name.description.hasPrefix("spoof.") {
                var forged = query
                send(Self.encode(forged, Fake.forged), via: spoofer)
                forged.header.id &+= 1
                send(Self.encode(forged, Fake.forged), via: context.channel)
                forged = query
                forged.questions = [DNSQuestion(name: try! DNSName("evil.example."), type: question.type, dnsClass: question.dnsClass)]
                send(Self.encode(forged, Fake.forged), via: context.channel)
            }
            send(FakeUpstream.answer(query, address: address, overTCP: false), via: context.channel)
        }

        static func encode(_ query: DNSMessage, _ address: DNSIPv4Address) -> [UInt8]? {
            FakeUpstream.answer(query, address: address, overTCP: false)
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {}
    }

    private final class TCPSide: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let address: DNSIPv4Address
        let record: @Sendable (Seen) -> Void
        var framer = DNSTCPFramer()

        init(address: DNSIPv4Address, record: @escaping @Sendable (Seen) -> Void) {
            self.address = address
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = unwrapInboundIn(data)
            guard let messages = try? framer.feed(buffer.readableBytesView) else { return context.close(promise: nil) }
            for message in messages {
                guard let query = try? DNSMessage(parsing: message), let question = query.questions.first else { continue }
                record(Seen(sourcePort: context.channel.remoteAddress?.port ?? 0, id: query.header.id, name: question.name.description, overTCP: true))
                guard let answer = FakeUpstream.answer(query, address: address, overTCP: true), let frame = try? DNSTCPFramer.frame(answer) else { continue }
                context.writeAndFlush(wrapOutboundOut(ByteBuffer(bytes: frame)), promise: nil)
            }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) { context.close(promise: nil) }
    }
}

private typealias Fake = FakeUpstream
