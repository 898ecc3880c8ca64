import Testing
import BerthDNSWire

struct TruncationTests {
    /// `_http._tcp.web.service.berth SRV` with `count` targets and their A records as additional data.
    static func srvAnswer(count: Int, edns: DNSEDNS?) -> DNSMessage {
        let owner = name("_http._tcp.web.service.berth")
        let targets = (0..<count).map { name("c\($0).container.berth") }
        return DNSMessage(
            header: DNSHeader(id: 0x5151, isResponse: true, isAuthoritative: true),
            questions: [DNSQuestion(name: owner, type: .srv)],
            answers: targets.map { DNSRecord(name: owner, ttl: 30, data: .srv(DNSSRV(priority: 0, weight: 10, port: 8080, target: $0))) },
            authority: [DNSRecord(name: name("berth"), ttl: 60, data: .ns(name("ns1.berth")))],
            additional: targets.enumerated().map { DNSRecord(name: $1, ttl: 30, data: .a(DNSIPv4Address(rawValue: 0xC612_0000 | UInt32($0)))) },
            edns: edns)
    }

    @Test(arguments: [(512, nil as DNSEDNS?), (1232, DNSEDNS()), (512, DNSEDNS(udpPayloadSize: 512))])
    func twoHundredSRVRecordsFitWithTC(maxSize: Int, edns: DNSEDNS?) throws {
        let message = Self.srvAnswer(count: 200, edns: edns)
        let full = try message.encode()
        #expect(full.count > 1232)
        let bytes = try message.encode(maxSize: maxSize)
        #expect(bytes.count <= maxSize)
        let parsed = try DNSMessage(parsing: bytes)
        #expect(parsed.header.isTruncated)
        #expect(parsed.edns == edns)  // OPT kept
        #expect(parsed.authority.isEmpty && parsed.additional.isEmpty)
        #expect(!parsed.answers.isEmpty && parsed.answers.count < 200)
        #expect(parsed.answers == Array(message.answers.prefix(parsed.answers.count)))
        // As many as fit: one more answer would not.
        var more = message
        more.answers = Array(message.answers.prefix(parsed.answers.count + 1))
        more.authority = []
        more.additional = []
        #expect(try more.encode().count > maxSize)
    }

    @Test func droppingOnlyAdditionalRecordsDoesNotSetTC() throws {
        let message = Self.srvAnswer(count: 10, edns: nil)
        let full = try message.encode()
        #expect(full.count > 512)
        let bytes = try message.encode(maxSize: 512)
        let parsed = try DNSMessage(parsing: bytes)
        #expect(bytes.count <= 512)
        #expect(parsed.answers.count == 10 && parsed.authority.count == 1)
        #expect(parsed.additional.count < 10)
        #expect(!parsed.header.isTruncated)  // RFC 2181 9
        #expect(parsed.additional == Array(message.additional.prefix(parsed.additional.count)))
    }

    @Test func messageThatFitsIsUnchanged() throws {
        let message = Self.srvAnswer(count: 2, edns: DNSEDNS())
        #expect(try message.encode(maxSize: 512) == message.encode())
        #expect(try !DNSMessage(parsing: message.encode(maxSize: 512)).header.isTruncated)
    }

    @Test func tooSmallForTheQuestionThrows() {
        let message = Self.srvAnswer(count: 1, edns: DNSEDNS())
        #expect(throws: DNSWireError.messageTooLarge) { try message.encode(maxSize: 40) }
    }

    @Test(arguments: [(nil as UInt16?, 512), (100, 512), (512, 512), (1232, 1232), (1400, 1232), (4096, 1232), (65535, 1232)])
    func udpLimit(clientSize: UInt16?, limit: Int) {
        #expect(DNSEDNS.udpResponseLimit(for: clientSize.map { DNSEDNS(udpPayloadSize: $0) }) == limit)
    }
}
