import Testing
import BerthDNSWire

/// One malformed message and the exact error it must raise.
struct HostileCase: Sendable, CustomTestStringConvertible {
    var label: String
    var bytes: [UInt8]
    var error: DNSWireError
    var testDescription: String { label }
}

/// Every way a message can be broken that the parser must notice, each with its own error.
struct HostileInputTests {
    /// Header with one question "a." A IN: 12 + 7 bytes; the next byte is at 19.
    static let query = header(an: 0) + wire("a") + u16(1) + u16(1)
    static func withAnswers(_ count: UInt16, additional: UInt16 = 0) -> [UInt8] {
        header(an: count, ar: additional) + wire("a") + u16(1) + u16(1)
    }
    /// Record fields after the owner name: type, class IN, TTL 0, RDLENGTH.
    static func fields(_ type: DNSType, length: Int, dnsClass: UInt16 = 1) -> [UInt8] {
        u16(type.rawValue) + u16(dnsClass) + u32(0) + u16(UInt16(length))
    }
    static let label63 = [63] + Array(repeating: UInt8(0x61), count: 63)

    static let cases: [HostileCase] = {
        var cases: [HostileCase] = []
        func add(_ label: String, _ bytes: [UInt8], _ error: DNSWireError) {
            cases.append(HostileCase(label: label, bytes: bytes, error: error))
        }
        // Truncation anywhere.
        add("empty", [], .truncated(at: 0))
        add("11-byte header", Array(header().prefix(11)), .truncated(at: 10))
        add("label runs past the end", header() + [10] + Array("abcd".utf8), .truncated(at: 12))
        add("class cut short", header() + wire("a") + u16(1) + [0], .truncated(at: 17))
        add("record fields cut short", withAnswers(1) + [0] + u16(1) + u16(1) + u32(0) + [0], .truncated(at: 28))
        add("RDLENGTH past the end", withAnswers(1) + [0] + fields(.a, length: 4) + [1, 2, 3], .truncated(at: 30))
        // Counts.
        add("question count without questions", header(qd: 1), .countsExceedData(needed: 17, available: 12))
        add("absurd answer count", header(qd: 0, an: 0xFFFF), .countsExceedData(needed: 12 + 11 * 0xFFFF, available: 12))
        add("all counts 65535", header(qd: 0xFFFF, an: 0xFFFF, ns: 0xFFFF, ar: 0xFFFF) + Array(repeating: 0, count: 100),
            .countsExceedData(needed: 12 + 5 * 0xFFFF + 33 * 0xFFFF, available: 112))
        add("more data than counted", query + [0], .trailingBytes(at: 19))
        // Label types and lengths.
        add("label type 0x40", header() + [0x40] + Array(repeating: 0, count: 70), .reservedLabelType(at: 12, byte: 0x40))
        add("label type 0x80", header() + [0x80, 0, 0, 0, 0, 0], .reservedLabelType(at: 12, byte: 0x80))
        add("64-byte label", header() + [64] + Array(repeating: 0x61, count: 64) + [0] + u16(1) + u16(1),
            .reservedLabelType(at: 12, byte: 64))
        add("256-byte name", header() + label63 + label63 + label63 + label63 + [0] + u16(1) + u16(1), .nameTooLong(at: 12))
        // 3 × 64 in place + pointer to "aaa…" (62 bytes + length) at 12: 192 + 64 + 1 = 257.
        add("name over 255 through a pointer",
            header(an: 1) + [62] + Array(repeating: 0x62, count: 62) + [0] + u16(1) + u16(1)
                + label63 + label63 + label63 + [0xC0, 12] + fields(.a, length: 4) + [1, 2, 3, 4],
            .nameTooLong(at: 80))
        // Compression pointers.
        add("pointer to itself", header() + [0xC0, 12] + u16(1) + u16(1), .pointerToItself(at: 12))
        add("pointer forward", header() + [0xC0, 14, 0] + u16(1) + u16(1), .pointerForward(at: 12, target: 14))
        add("pointer into the header", header() + [0xC0, 5] + u16(1) + u16(1) + [0], .pointerIntoHeader(at: 12))
        add("pointer back into its own name", header() + [1, 0x61, 1, 0x62, 0xC0, 14] + u16(1) + u16(1),
            .pointerLoop(at: 16, target: 14))
        add("pointer back to its name's start", withAnswers(1) + [1, 0x62, 0xC0, 19] + fields(.a, length: 4) + [1, 2, 3, 4],
            .pointerLoop(at: 21, target: 19))
        add("pointer cut in half", header() + [1, 0x61, 1, 0x62, 0xC0], .truncated(at: 16))
        add("pointer chain of 130 jumps", {
            // An opaque record whose RDATA is a chain of pointers, each to the one before, the
            // first to "a." at 12; then an NS record whose RDATA points at the last link.
            let chainStart = 19 + 1 + 10
            var chain: [UInt8] = [0xC0, 12]
            for link in 1..<130 { chain += u16(0xC000 | UInt16(chainStart + 2 * (link - 1))) }
            let last = chainStart + 2 * 129
            return withAnswers(2) + [0] + fields(DNSType(99), length: chain.count) + chain
                + [0] + fields(.ns, length: 2) + u16(0xC000 | UInt16(last))
        }(), .tooManyPointers(at: 36))  // the 128th jump is link 3, at 30 + 2 × 3
        // RDATA lengths.
        add("A with 3 bytes", withAnswers(1) + [0] + fields(.a, length: 3) + [1, 2, 3], .rdataLengthMismatch(at: 19, type: .a))
        add("A with 5 bytes", withAnswers(1) + [0] + fields(.a, length: 5) + [1, 2, 3, 4, 5], .rdataLengthMismatch(at: 19, type: .a))
        add("AAAA with 4 bytes", withAnswers(1) + [0] + fields(.aaaa, length: 4) + [1, 2, 3, 4], .rdataLengthMismatch(at: 19, type: .aaaa))
        add("NS name shorter than RDATA", withAnswers(1) + [0] + fields(.ns, length: 4) + wire("b") + [9],
            .rdataLengthMismatch(at: 19, type: .ns))
        add("CNAME name runs past RDATA", withAnswers(1) + [0] + fields(.cname, length: 2) + wire("b"),
            .rdataLengthMismatch(at: 19, type: .cname))
        add("SRV without target", withAnswers(1) + [0] + fields(.srv, length: 6) + u16(1) + u16(2) + u16(3),
            .rdataLengthMismatch(at: 19, type: .srv))
        add("SOA without timers", withAnswers(1) + [0] + fields(.soa, length: 2) + [0, 0],
            .rdataLengthMismatch(at: 19, type: .soa))
        add("TXT string past RDATA", withAnswers(1) + [0] + fields(.txt, length: 3) + [5, 0x61, 0x62] + [0x63, 0x64, 0x65],
            .rdataLengthMismatch(at: 19, type: .txt))
        add("MX without exchange", withAnswers(1) + [0] + fields(.mx, length: 2) + u16(10), .rdataLengthMismatch(at: 19, type: .mx))
        // EDNS.
        let opt = [0] + fields(.opt, length: 0, dnsClass: 1232)
        add("two OPT records", withAnswers(0, additional: 2) + opt + opt, .multipleOPT(at: 30))
        add("OPT in the answer section", withAnswers(1) + opt, .optOutsideAdditional(at: 19))
        add("OPT owned by a non-root name", withAnswers(0, additional: 1) + wire("b") + fields(.opt, length: 0, dnsClass: 1232),
            .optNameNotRoot(at: 19))
        add("EDNS option longer than RDATA", withAnswers(0, additional: 1) + [0] + fields(.opt, length: 6, dnsClass: 1232)
            + u16(10) + u16(8) + [1, 2], .badEDNSOption(at: 19))
        add("EDNS option header cut", withAnswers(0, additional: 1) + [0] + fields(.opt, length: 3, dnsClass: 1232)
            + [0, 10, 0], .badEDNSOption(at: 19))
        return cases
    }()

    @Test(arguments: cases)
    func messageParserRefuses(_ hostile: HostileCase) {
        #expect(parseError(hostile.bytes) == hostile.error)
    }

    /// The query fast path raises the same error for the cases a query can have (one question,
    /// no answer or authority records), wrapped as FORMERR.
    @Test(arguments: cases)
    func queryParserAgrees(_ hostile: HostileCase) {
        let bytes = hostile.bytes
        guard bytes.count >= 12, bytes[4] == 0, bytes[5] == 1, bytes[6...9].allSatisfy({ $0 == 0 }) else { return }
        let header = DNSHeader(id: UInt16(bytes[0]) << 8 | UInt16(bytes[1]), flags: UInt16(bytes[2]) << 8 | UInt16(bytes[3]))
        #expect(throws: DNSQueryError.malformed(header, hostile.error)) { try DNSQuery.parse(bytes) }
    }
}
