import Testing
import BerthDNSWire

struct EncodedAnswerTests {
    static let web = name("web.service.berth")
    static let records = [
        DNSRecord(name: web, ttl: 30, data: .a(DNSIPv4Address(198, 18, 0, 10))),
        DNSRecord(name: web, ttl: 30, data: .a(DNSIPv4Address(198, 18, 0, 11))),
    ]

    static func query(_ spelling: String, type: DNSType = .a, edns: DNSEDNS? = nil, id: UInt16 = 77) throws -> DNSQuery {
        let message = DNSMessage(
            header: DNSHeader(id: id, isResponse: false, recursionDesired: true),
            questions: [DNSQuestion(name: name(spelling), type: type)], edns: edns)
        return try DNSQuery.parse(message.encode())
    }

    @Test func servesTheSameBytesAsTheFullEncoder() throws {
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .a), answers: Self.records)
        for edns in [nil, DNSEDNS(udpPayloadSize: 4096, dnssecOK: true)] {
            let query = try Self.query("web.service.berth", edns: edns)
            let served = try answer.response(to: query, maxSize: query.udpResponseLimit)
            var expected = DNSMessage(
                header: DNSHeader(id: 77, isResponse: true, isAuthoritative: true, recursionDesired: true),
                questions: [query.question], answers: Self.records,
                edns: edns.map { DNSEDNS(udpPayloadSize: 1232, dnssecOK: $0.dnssecOK) })
            expected.header.authenticData = false
            #expect(served == (try expected.encode()))
        }
    }

    @Test func echoesTheClientSpellingAndPointersFollowIt() throws {
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .a), answers: Self.records)
        let query = try Self.query("WeB.sErViCe.BeRtH")
        let served = try answer.response(to: query, maxSize: 512)
        #expect(Array(served[12..<(12 + query.questionBytes.count)]) == query.questionBytes)
        let parsed = try DNSMessage(parsing: served)
        #expect(parsed.questions[0].name.hasSameSpelling(as: name("WeB.sErViCe.BeRtH")))
        #expect(parsed.answers.allSatisfy { $0.name.hasSameSpelling(as: name("WeB.sErViCe.BeRtH")) })
        #expect(parsed.answers.map(\.data) == Self.records.map(\.data))
    }

    @Test func negativeAnswerCarriesTheSOA() throws {
        let soa = DNSRecord(name: name("berth"), ttl: 60, data: .soa(DNSSOA(
            primary: name("ns1.berth"), mailbox: name("hostmaster.berth"), serial: 1, refresh: 2, retry: 3, expire: 4, minimum: 30)))
        let nx = try DNSEncodedAnswer(question: DNSQuestion(name: name("nope.service.berth"), type: .a), rcode: .nameError, answers: [], authority: [soa])
        let query = try Self.query("nope.service.berth", edns: DNSEDNS())
        let parsed = try DNSMessage(parsing: nx.response(to: query, maxSize: 1232))
        #expect(parsed.rcode == .nameError && parsed.header.isAuthoritative && parsed.answers.isEmpty)
        #expect(parsed.authority == [soa] && parsed.edns != nil)
    }

    @Test func truncatesToTheLimitKeepingOPT() throws {
        let owner = name("_http._tcp.web.service.berth")
        let big = TruncationTests.srvAnswer(count: 200, edns: nil)
        let answer = try DNSEncodedAnswer(
            question: DNSQuestion(name: owner, type: .srv), answers: big.answers, authority: big.authority, additional: big.additional)
        #expect(answer.answerCount == 200 && answer.additionalCount == 200)
        for (edns, limit) in [(nil as DNSEDNS?, 512), (DNSEDNS(udpPayloadSize: 1232), 1232), (DNSEDNS(udpPayloadSize: 9000), 1232)] {
            let query = try Self.query("_http._tcp.web.service.berth", type: .srv, edns: edns)
            #expect(query.udpResponseLimit == limit)
            let served = try answer.response(to: query, maxSize: query.udpResponseLimit)
            #expect(served.count <= limit && served.count > limit - 60)
            let parsed = try DNSMessage(parsing: served)
            #expect(parsed.header.isTruncated && (parsed.edns != nil) == (edns != nil))
            #expect(parsed.answers == Array(big.answers.prefix(parsed.answers.count)))
        }
        let tcp = try answer.response(to: Self.query("_http._tcp.web.service.berth", type: .srv), maxSize: DNSMessage.maxSize)
        let parsed = try DNSMessage(parsing: tcp)
        #expect(!parsed.header.isTruncated && parsed.answers.count == 200 && parsed.additional.count == 200)
    }

    @Test func refusesAQueryForAnotherQuestion() throws {
        let answer = try DNSEncodedAnswer(question: DNSQuestion(name: Self.web, type: .a), answers: Self.records)
        for query in [try Self.query("web.service.berth", type: .aaaa), try Self.query("wex.service.berth"), try Self.query("web.service.berth.x")] {
            #expect(throws: DNSWireError.questionMismatch) { try answer.response(to: query, maxSize: 512) }
        }
    }
}
