import Testing
import BerthDNSWire

struct CompressionTests {
    static func message(_ owners: [String]) -> DNSMessage {
        DNSMessage(
            header: DNSHeader(id: 7, isResponse: true),
            questions: [DNSQuestion(name: name("web.service.berth"), type: .a)],
            answers: owners.map { DNSRecord(name: name($0), ttl: 30, data: .cname(name("x.container.berth"))) })
    }

    @Test func compressedIsSmallerAndReadsBack() throws {
        let message = Self.message(["web.service.berth", "db.service.berth", "web.service.berth"])
        let bytes = try message.encode()
        let uncompressed = 12 + wire("web.service.berth").count + 4
            + [17, 16, 17].map { $0 + 2 + 10 + 19 }.reduce(0, +)  // owner + fixed fields + CNAME target
        #expect(bytes.count < uncompressed)
        // Answer 1: owner is a pointer to the question (12); its target "x.container" + pointer to "berth".
        #expect(Array(bytes[35...36]) == [0xC0, 12])
        #expect(try DNSMessage(parsing: bytes) == message)
    }

    @Test func namesDifferingOnlyInCaseCompressTogether() throws {
        let lower = try Self.message(["web.service.berth"]).encode()
        let mixed = try Self.message(["WEB.Service.BERTH"]).encode()
        #expect(mixed.count == lower.count)
        #expect(Array(mixed[35...36]) == [0xC0, 12])
        // The pointer reads back the first spelling.
        let parsed = try DNSMessage(parsing: mixed)
        #expect(parsed.answers[0].name.hasSameSpelling(as: name("web.service.berth")))
    }

    @Test func suffixesPointIntoEarlierNames() throws {
        // "db.service.berth" after "web.service.berth": "db" + pointer to "service.berth" at 16.
        let bytes = try Self.message(["db.service.berth"]).encode()
        #expect(Array(bytes[35...39]) == [2, 0x64, 0x62, 0xC0, 16])
    }

    @Test func onlyOffsetsUpTo0x3FFFAreTargets() throws {
        // Fill past 16 KiB with TXT, then a new name, then the same name again: the second cannot
        // point at the first (offset > 0x3FFF), so it is written out in full; an early name still is.
        var answers = (0..<70).map { _ in
            DNSRecord(name: name("web.service.berth"), ttl: 1, data: .txt([Array(repeating: 0x61, count: 255)]))
        }
        answers.append(DNSRecord(name: name("late.example"), ttl: 1, data: .a(DNSIPv4Address(rawValue: 1))))
        answers.append(DNSRecord(name: name("late.example"), ttl: 1, data: .a(DNSIPv4Address(rawValue: 2))))
        let message = DNSMessage(header: DNSHeader(id: 1), questions: [DNSQuestion(name: name("web.service.berth"), type: .txt)], answers: answers)
        let bytes = try message.encode()
        #expect(bytes.count > 0x3FFF)
        let tail = Array(bytes.suffix(2 * (wire("late.example").count + 14)))
        #expect(tail.count == 2 * 28)
        #expect(Array(tail[0..<14]) == wire("late.example"))
        #expect(Array(tail[28..<42]) == wire("late.example"))
        #expect(try DNSMessage(parsing: bytes) == message)
    }

    @Test func pointerToAPointerChainReads() throws {
        // Hand-made: question "a.b" at 12; answer owner "c" + pointer to 12; a second answer
        // owner that is a bare pointer to the first owner (which itself ends in a pointer).
        let bytes = header(flags: 0x8000, an: 2) + wire("a.b") + u16(1) + u16(1)
            + [1, 0x63, 0xC0, 12] + u16(1) + u16(1) + u32(0) + u16(4) + [1, 2, 3, 4]
            + [0xC0, 21] + u16(1) + u16(1) + u32(0) + u16(4) + [5, 6, 7, 8]
        let message = try DNSMessage(parsing: bytes)
        #expect(message.answers.map(\.name) == [name("c.a.b"), name("c.a.b")])
    }
}
