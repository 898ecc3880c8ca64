import Testing
import BerthDNSWire

struct TCPFramerTests {
    static let messages: [[UInt8]] = [KnownPacketTests.digA, KnownPacketTests.digAAAANoEDNS, KnownPacketTests.pySRV]
    static var stream: [UInt8] { messages.flatMap { (try? DNSTCPFramer.frame($0)) ?? [] } }

    @Test func wholeStreamAtOnce() throws {
        var framer = DNSTCPFramer()
        #expect(try framer.feed(Self.stream) == Self.messages)
        #expect(framer.bufferedCount == 0)
    }

    @Test(arguments: [1, 2, 3, 7, 64, 500])
    func splitIntoChunks(size: Int) throws {
        var framer = DNSTCPFramer()
        var received: [[UInt8]] = []
        let stream = Self.stream
        for start in stride(from: 0, to: stream.count, by: size) {
            received += try framer.feed(stream[start..<min(start + size, stream.count)])
            #expect(framer.bufferedCount <= 2 + 65_535)
        }
        #expect(received == Self.messages)
        #expect(framer.bufferedCount == 0)
    }

    @Test func splitAtEveryOffset() throws {
        let stream = Self.stream
        for cut in 0...stream.count {
            var framer = DNSTCPFramer()
            let received = try framer.feed(stream[..<cut]) + framer.feed(stream[cut...])
            #expect(received == Self.messages, "cut at \(cut)")
        }
    }

    @Test func buffersAtMostOneMessage() throws {
        // A 65,535-byte frame announced, then fed in 1 KiB pieces: never more than 65,537 held.
        var framer = DNSTCPFramer()
        let body = header(qd: 0) + Array(repeating: 0, count: 65_535 - 12)
        let stream = try DNSTCPFramer.frame(body) + DNSTCPFramer.frame(KnownPacketTests.digA)
        var received: [[UInt8]] = []
        for start in stride(from: 0, to: stream.count, by: 1024) {
            received += try framer.feed(stream[start..<min(start + 1024, stream.count)])
            #expect(framer.bufferedCount <= 65_537)
        }
        #expect(received == [body, KnownPacketTests.digA])
    }

    @Test(arguments: [
        ([0, 11] + Array(repeating: UInt8(0), count: 11), DNSWireError.tcpFrameTooShort(11)),
        ([0, 0], .tcpFrameTooShort(0)),
        (u16(600), .tcpFrameTooLong(600)),
    ])
    func badLengthsPoisonTheStream(bytes: [UInt8], error: DNSWireError) throws {
        var framer = DNSTCPFramer(maxMessageSize: 512)
        #expect(throws: error) { try framer.feed(bytes) }
        #expect(throws: error) { try framer.feed(DNSTCPFramer.frame(KnownPacketTests.digA)) }
    }

    @Test func framingAddsTheLength() throws {
        #expect(try DNSTCPFramer.frame([1, 2, 3]) == [0, 3, 1, 2, 3])
        #expect(throws: DNSWireError.messageTooLarge) { try DNSTCPFramer.frame(Array(repeating: 0, count: 65_536)) }
    }

    @Test func zeroCopyCallbackSeesEachMessage() throws {
        var framer = DNSTCPFramer()
        var ids: [UInt16] = []
        try Self.stream.withUnsafeBytes { buffer in
            try framer.feed(buffer) { message in ids.append(UInt16(message[0]) << 8 | UInt16(message[1])) }
        }
        #expect(ids == [0x62EE, 0x7027, 0xBEEF])
    }
}
