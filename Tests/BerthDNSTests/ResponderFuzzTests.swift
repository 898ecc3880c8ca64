import BerthDNS
import BerthDNSWire
import BerthTesting
import Testing

/// Seeded random input at the server's handler (not just the codec): garbage, and valid queries
/// for the zone's names mutated a few bytes at a time. Whatever comes in, the responder
/// returns; what it sends is a response to the same id that parses, fits the transport's limit,
/// and, for a query that parses, answers its question.
struct ResponderFuzzTests {
    static let names = [
        "berth.", "ns.berth.", "web.service.berth.", "db.service.berth.", "_http._tcp.web.service.berth.", "_tcp.web.service.berth.",
        "aaaa000000000001.container.berth.", "once.container.berth.", "n1.node.berth.", "service.berth.", "gone.service.berth.",
        "example.com.", ".",
    ]
    static let types: [DNSType] = [.a, .aaaa, .srv, .soa, .ns, .any, .txt, .axfr, DNSType(65), DNSType(999)]

    static func mutate(_ bytes: [UInt8], _ random: inout SplitMix64) -> [UInt8] {
        var bytes = bytes
        for _ in 0..<random.int(in: 1...4) {
            let index = bytes.isEmpty ? 0 : random.int(in: 0...(bytes.count - 1))
            switch random.int(in: 0...7) {
            case 0 where !bytes.isEmpty: bytes[index] ^= UInt8(1 << random.int(in: 0...7))
            case 1 where !bytes.isEmpty: bytes[index] = UInt8(random.int(in: 0...255))
            case 2: bytes = Array(bytes.prefix(random.int(in: 0...bytes.count)))
            case 3: bytes.insert(contentsOf: (0..<random.int(in: 1...8)).map { _ in UInt8(random.int(in: 0...255)) }, at: index)
            case 4 where bytes.count > index + 2: bytes.removeSubrange(index..<random.int(in: (index + 1)...bytes.count))
            case 5 where bytes.count >= 12: bytes[random.int(in: 2...11)] = UInt8(random.int(in: 0...255))  // flags and counts
            case 6 where bytes.count > index + 1:  // a compression pointer anywhere
                let target = random.int(in: 0...bytes.count)
                bytes[index] = 0xC0 | UInt8(target >> 8 & 0x3F)
                bytes[index + 1] = UInt8(target & 0xFF)
            default: bytes += (0..<random.int(in: 0...4)).map { _ in UInt8(random.int(in: 0...255)) }
            }
        }
        return bytes
    }

    static func input(_ random: inout SplitMix64) -> [UInt8] {
        switch random.int(in: 0...9) {
        case 0: return (0..<random.int(in: 0...600)).map { _ in UInt8(random.int(in: 0...255)) }
        case 1: return ResponderHarness.query(random.pick(names)!, random.pick(types)!, id: UInt16(random.int(in: 0...65535)))
        default:
            let edns: DNSEDNS? = random.bool() ? DNSEDNS(udpPayloadSize: UInt16(random.int(in: 0...65535)), version: UInt8(random.int(in: 0...1))) : nil
            let query = ResponderHarness.query(random.pick(names)!, random.pick(types)!, id: UInt16(random.int(in: 0...65535)), edns: edns)
            return mutate(query, &random)
        }
    }

    @Test(arguments: TestSeeds.or([1, 2, 3, 4]))
    func randomMessagesGetSaneResponses(seed: UInt64) throws {
        var random = SplitMix64(seed: seed)
        var harness = ResponderHarness()
        var answered = 0
        var rcodes: [DNSRCode: Int] = [:]
        for iteration in 0..<4000 {
            let bytes = Self.input(&random)
            let transport: DNSResponder.Transport = random.bool() ? .udp : .tcp
            let context = Comment(rawValue: "seed \(seed) iteration \(iteration): \(bytes)")
            guard let response = harness.raw(bytes, over: transport) else {
                // Only what cannot be answered is dropped: under a header, or a response.
                #expect(bytes.count < 12 || bytes[2] & 0x80 != 0, context)
                continue
            }
            answered += 1
            #expect(response.count >= 12 && Array(response[0..<2]) == Array(bytes[0..<2]), context)
            let message = try #require(try? DNSMessage(parsing: response), context)
            #expect(message.header.isResponse, context)
            rcodes[message.rcode, default: 0] += 1
            if let query = try? DNSQuery.parse(bytes) {
                if transport == .udp { #expect(response.count <= query.udpResponseLimit, context) }
                #expect(message.questions == [query.question], context)
            }
        }
        // The mix reached every kind of answer, or the test tests less than it says.
        #expect(answered > 2000)
        for rcode in [DNSRCode.noError, .nameError, .refused, .formatError, .notImplemented, .badVersion] {
            #expect(rcodes[rcode, default: 0] > 0, "seed \(seed): no \(rcode) among \(rcodes)")
        }
    }
}
