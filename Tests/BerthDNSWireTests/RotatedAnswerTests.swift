import BerthDNSWire
import Testing

/// `write(…rotatingAnswersBy:…)`: round-robin answers served from one encoding.
struct RotatedAnswerTests {
    static let web = name("db.service.berth")
    static let records = (1...5).map { DNSRecord(name: web, ttl: 5, data: .a(DNSIPv4Address(198, 18, 0, UInt8($0)))) }
    static let glue = DNSRecord(name: name("ns.berth"), ttl: 5, data: .a(DNSIPv4Address(198, 18, 1, 1)))

    @Test(arguments: [0, 1, 2, 4, 5, 7, -3, Int.max, Int.min])
    func rotationStartsAtThatRecordAndWraps(rotation: Int) throws {
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .a), answers: Self.records, additional: [Self.glue])
        #expect(answer.canRotateAnswers)
        let query = try EncodedAnswerTests.query("DB.service.berth")
        var out: [UInt8] = []
        try answer.write(respondingTo: query, maxSize: 512, rotatingAnswersBy: rotation, into: &out)
        let message = try DNSMessage(parsing: out)
        let start = Int(rotation.magnitude % 5)
        #expect(message.answers.map(\.data) == (0..<5).map { Self.records[(start + $0) % 5].data })
        #expect(message.additional == [Self.glue], "the other sections stay as they were")
        #expect(message.answers.allSatisfy { $0.name.hasSameSpelling(as: name("DB.service.berth")) })
    }

    /// Cut for size, a rotated answer keeps a prefix of the rotated order and sets TC.
    @Test(arguments: [0, 3])
    func truncationKeepsTheRotatedPrefix(rotation: Int) throws {
        let many = (0..<100).map { DNSRecord(name: Self.web, ttl: 5, data: .a(DNSIPv4Address(198, 18, 2, UInt8($0)))) }
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .a), answers: many)
        let query = try EncodedAnswerTests.query("db.service.berth")
        var out: [UInt8] = []
        try answer.write(respondingTo: query, maxSize: 512, rotatingAnswersBy: rotation, into: &out)
        let message = try DNSMessage(parsing: out)
        #expect(out.count <= 512 && message.header.isTruncated)
        #expect(message.answers.map(\.data) == (0..<message.answers.count).map { many[(rotation + $0) % 100].data })
    }

    /// Records of different sizes cannot be rotated by copying: the order stays.
    @Test func unevenRecordsAreNotRotated() throws {
        let srv = [
            DNSRecord(name: Self.web, ttl: 5, data: .srv(DNSSRV(priority: 1, weight: 1, port: 1, target: name("a.berth")))),
            DNSRecord(name: Self.web, ttl: 5, data: .srv(DNSSRV(priority: 1, weight: 1, port: 1, target: name("bb.berth")))),
        ]
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .srv), answers: srv)
        #expect(!answer.canRotateAnswers)
        let query = try EncodedAnswerTests.query("db.service.berth", type: .srv)
        var out: [UInt8] = []
        try answer.write(respondingTo: query, maxSize: 512, rotatingAnswersBy: 1, into: &out)
        #expect(try DNSMessage(parsing: out).answers == srv)
    }
}
