import Testing
import BerthDNSWire

struct DNSQueryTests {
    static let question = wire("Web.Service.BERTH") + u16(1) + u16(1)
    static func query(flags: UInt16 = 0x0100, qd: UInt16 = 1, an: UInt16 = 0, ns: UInt16 = 0, ar: UInt16 = 0, rest: [UInt8] = []) -> [UInt8] {
        header(id: 0xABCD, flags: flags, qd: qd, an: an, ns: ns, ar: ar) + (qd > 0 ? question : []) + rest
    }
    static let opt = [0] + u16(41) + u16(4096) + u32(0x0000_8000) + u16(0)

    @Test func readsNameTypeSpellingAndEDNS() throws {
        let query = try DNSQuery.parse(Self.query(ar: 1, rest: Self.opt))
        #expect(query.id == 0xABCD && query.header.recursionDesired)
        #expect(query.name.hasSameSpelling(as: name("web.service.berth")))
        #expect(query.type == .a && query.dnsClass == .internet)
        #expect(query.questionBytes == Self.question)
        #expect(query.edns == DNSEDNS(udpPayloadSize: 4096, dnssecOK: true))
    }

    @Test func otherAdditionalRecordsAreCheckedAndIgnored() throws {
        // A TSIG-like opaque record before the OPT.
        let other = wire("key.berth") + u16(250) + u16(255) + u32(0) + u16(3) + [1, 2, 3]
        let query = try DNSQuery.parse(Self.query(ar: 2, rest: other + Self.opt))
        #expect(query.edns?.udpPayloadSize == 4096)
        let bad = wire("key.berth") + u16(1) + u16(1) + u32(0) + u16(3) + [1, 2, 3]  // A with 3 bytes
        #expect(throws: DNSQueryError.malformed(DNSHeader(id: 0xABCD, flags: 0x0100), .rdataLengthMismatch(at: 35, type: .a))) {
            try DNSQuery.parse(Self.query(ar: 1, rest: bad))
        }
    }

    @Test(arguments: [
        // (bytes, expected error, disposition)
        ([UInt8](), DNSQueryError.tooShort(0), DNSQueryError.Disposition.drop),
        (Array(query().prefix(11)), .tooShort(11), .drop),
        (query(flags: 0x8100), .isResponse(DNSHeader(id: 0xABCD, flags: 0x8100)), .drop),
        (query(flags: 0x8000 | 5 << 11), .isResponse(DNSHeader(id: 0xABCD, flags: 0x8000 | 5 << 11)), .drop),
        (query(flags: 4 << 11), .notImplemented(DNSHeader(id: 0xABCD, flags: 4 << 11)), .respond(.notImplemented)),
        (query(flags: 5 << 11 | 0x100), .notImplemented(DNSHeader(id: 0xABCD, flags: 5 << 11 | 0x100)), .respond(.notImplemented)),
        (query(qd: 0), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .questionCountNotOne(0)), .respond(.formatError)),
        (query(qd: 2), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .questionCountNotOne(2)), .respond(.formatError)),
        (query(an: 1), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .recordsInQuery), .respond(.formatError)),
        (query(ns: 1), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .recordsInQuery), .respond(.formatError)),
        (query(ar: 1000), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .countsExceedData(needed: 11017, available: 35)), .respond(.formatError)),
        (query(ar: 2, rest: opt + opt), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .multipleOPT(at: 46)), .respond(.formatError)),
        (query(rest: [0]), .malformed(DNSHeader(id: 0xABCD, flags: 0x100), .trailingBytes(at: 35)), .respond(.formatError)),
    ] as [([UInt8], DNSQueryError, DNSQueryError.Disposition)])
    func refusals(bytes: [UInt8], error: DNSQueryError, disposition: DNSQueryError.Disposition) {
        #expect(throws: error) { try DNSQuery.parse(bytes) }
        #expect(error.disposition == disposition)
        var out: [UInt8] = []
        let responded = error.writeResponse(into: &out)
        #expect(responded == (disposition != .drop))
        guard case .respond(let rcode) = disposition else { return }
        // Header only: id and RD echoed, QR set, opcode echoed, the RCODE, all counts 0.
        let response = try? DNSMessage(parsing: out)
        #expect(response?.header.id == 0xABCD)
        #expect(response?.header.isResponse == true && response?.header.recursionDesired == (bytes[2] & 1 == 1))
        #expect(response?.header.opcode == DNSHeader(id: 0, flags: UInt16(bytes[2]) << 8).opcode)
        #expect(response?.rcode == rcode && out.count == 12)
    }

    @Test func noRecordResponsesEchoTheQuestionAndOPT() throws {
        let query = try DNSQuery.parse(Self.query(ar: 1, rest: Self.opt))
        var out: [UInt8] = []
        query.writeResponse(rcode: .badVersion, into: &out)
        let response = try DNSMessage(parsing: out)
        #expect(response.rcode == .badVersion && response.header.rcode == .noError)  // 16: all in the OPT
        #expect(response.edns?.extendedRCode == 1 && response.edns?.dnssecOK == true && response.edns?.udpPayloadSize == 1232)
        #expect(Array(out[12..<(12 + Self.question.count)]) == Self.question)
        #expect(response.header.isResponse && response.header.recursionDesired && !response.header.isAuthoritative)

        let plain = try DNSQuery.parse(Self.query())
        out.removeAll()
        plain.writeResponse(rcode: .refused, into: &out)
        #expect(out == header(id: 0xABCD, flags: 0x8105) + Self.question)
    }

    @Test func fastPathAgreesWithMessageParser() throws {
        for bytes in [Self.query(), Self.query(ar: 1, rest: Self.opt), KnownPacketTests.digA, KnownPacketTests.digSRVDnssec] {
            let query = try DNSQuery.parse(bytes)
            let message = try DNSMessage(parsing: bytes)
            #expect(message.header == query.header && message.questions == [query.question] && message.edns == query.edns)
        }
    }
}
