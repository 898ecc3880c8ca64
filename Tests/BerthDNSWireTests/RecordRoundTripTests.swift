import Testing
import BerthDNSWire

/// Each RDATA type, written into a message and read back, with the RDATA bytes it must produce.
struct RecordRoundTripTests {
    static let owner = name("x.container.berth")

    /// (data, the RDATA bytes expected when nothing can be compressed against it)
    static let cases: [(DNSRData, [UInt8])] = [
        (.a(DNSIPv4Address(198, 18, 0, 10)), [198, 18, 0, 10]),
        (.aaaa(DNSIPv6Address(bytes: hex("20010db8000000000000000000000001"))!), hex("20010db8000000000000000000000001")),
        (.ns(name("ns1.example")), wire("ns1.example")),
        (.cname(name("web.example")), wire("web.example")),
        (.ptr(name("web.example")), wire("web.example")),
        (.mx(preference: 10, exchange: name("mail.example")), u16(10) + wire("mail.example")),
        (.soa(DNSSOA(primary: name("ns1.example"), mailbox: name("hostmaster.other"), serial: 2026113001,
                     refresh: 3600, retry: 600, expire: 86400, minimum: 30)),
         wire("ns1.example") + wire("hostmaster.other") + [2026113001, 3600, 600, 86400, 30].flatMap(u32)),
        (.srv(DNSSRV(priority: 1, weight: 2, port: 8080, target: name("c1.example"))),
         u16(1) + u16(2) + u16(8080) + wire("c1.example")),
        (.txt([Array("hello world".utf8), [], Array(repeating: 0x41, count: 255)]),
         [11] + Array("hello world".utf8) + [0] + [255] + Array(repeating: 0x41, count: 255)),
        (.txt([]), []),
        (.unknown(DNSType(99), [1, 2, 3]), [1, 2, 3]),
        (.unknown(DNSType(65280), []), []),
    ]

    @Test(arguments: cases)
    func roundTrip(data: DNSRData, rdata: [UInt8]) throws {
        let record = DNSRecord(name: Self.owner, ttl: 300, data: data)
        let message = DNSMessage(header: DNSHeader(id: 1, isResponse: true), answers: [record])
        let bytes = try message.encode()
        // header, owner (uncompressed, first name), type, class, TTL, RDLENGTH, RDATA
        let expected = header(id: 1, flags: 0x8000, qd: 0, an: 1) + wire("x.container.berth")
            + u16(data.type.rawValue) + u16(1) + u32(300) + u16(UInt16(rdata.count)) + rdata
        #expect(bytes == expected)
        let parsed = try DNSMessage(parsing: bytes)
        #expect(parsed == message)
        #expect(parsed.answers.first?.type == data.type)
    }

    @Test func textForms() throws {
        #expect(DNSIPv4Address(198, 18, 0, 10).description == "198.18.0.10")
        let cases: [(String, String)] = [
            ("20010db8000000000000000000000001", "2001:db8::1"),
            ("00000000000000000000000000000000", "::"),
            ("00000000000000000000000000000001", "::1"),
            ("20010db8000000010000000000000000", "2001:db8:0:1::"),
            ("20010db8000000010001000100010001", "2001:db8:0:1:1:1:1:1"),
            ("20010000000000010000000000000001", "2001:0:0:1::1"),
        ]
        for (bytes, text) in cases {
            #expect(DNSIPv6Address(bytes: hex(bytes))?.description == text)
            #expect(DNSIPv6Address(bytes: hex(bytes))?.bytes == hex(bytes))
        }
        #expect(DNSIPv6Address(bytes: [1, 2, 3]) == nil)
        #expect(DNSType.srv.description == "SRV" && DNSType(65280).description == "TYPE65280")
        #expect(DNSRCode(16).description == "BADVERS" && DNSRCode(4095).extendedBits == 0xFF)
    }

    @Test func characterStringOver255IsRefused() {
        let message = DNSMessage(
            header: DNSHeader(id: 1), answers: [DNSRecord(name: Self.owner, ttl: 1, data: .txt([Array(repeating: 1, count: 256)]))])
        #expect(throws: DNSWireError.characterStringTooLong(256)) { try message.encode() }
        let long = DNSMessage(
            header: DNSHeader(id: 1), answers: [DNSRecord(name: Self.owner, ttl: 1, data: .unknown(DNSType(99), Array(repeating: 0, count: 65_536)))])
        #expect(throws: DNSWireError.rdataTooLong) { try long.encode() }
    }
}
