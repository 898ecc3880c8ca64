import Testing
import BerthDNSWire

/// Seeded random round trips. A failure names its seed and iteration; rerun with that seed.
struct RandomMessageTests {
    @Test(arguments: [1, 2, 3, 0xBE27] as [UInt64])
    func validMessagesRoundTrip(seed: UInt64) throws {
        var random = RandomMessages(seed: seed)
        for iteration in 0..<400 {
            let message = random.message()
            let context = Comment(rawValue: "seed \(seed) iteration \(iteration)")
            let bytes = try message.encode()
            let parsed = try DNSMessage(parsing: bytes)
            #expect(parsed == message, context)
            // Stable: encoding what was read gives the same bytes.
            #expect(try parsed.encode() == bytes, context)
            // Truncated to a UDP size: fits, and still parses.
            let limit = DNSEDNS.udpResponseLimit(for: message.edns)
            if let cut = try? message.encode(maxSize: limit) {
                #expect(cut.count <= limit, context)
                #expect((try? DNSMessage(parsing: cut)) != nil, context)
            }
        }
    }

    @Test(arguments: [11, 12, 13] as [UInt64])
    func randomQueriesParseOnTheFastPath(seed: UInt64) throws {
        var random = RandomMessages(seed: seed)
        for iteration in 0..<500 {
            let message = random.query()
            let context = Comment(rawValue: "seed \(seed) iteration \(iteration)")
            let query = try DNSQuery.parse(message.encode())
            #expect(query.question == message.questions[0], context)
            #expect(query.name.hasSameSpelling(as: message.questions[0].name.lowercased()), context)
            #expect(query.edns == message.edns, context)
            #expect(query.header == message.header, context)
        }
    }
}
