import BerthDNS
import BerthDNSWire
import Testing

/// The server's answers on the wire: the responder with bytes in and out, as the sockets call it.
struct ResponderTests {
    @Test func answersFromTheTableAuthoritatively() throws {
        var harness = ResponderHarness()
        let response = try harness.ask("web.service.berth.", .a)
        #expect(response.header.id == 0x1234)
        #expect(response.header.isResponse && response.header.isAuthoritative && response.header.recursionDesired)
        #expect(!response.header.recursionAvailable && !response.header.isTruncated)
        #expect(response.rcode == .noError)
        #expect(response.answers.map(\.data) == [.a(ZoneFixture.ip("10.96.0.1"))])
        #expect(response.edns == nil)
    }

    /// The question comes back as the client spelled it (0x20 randomisation), the answer too.
    @Test func echoesTheClientsSpelling() throws {
        var harness = ResponderHarness()
        let response = try harness.ask("wEb.SeRvIcE.bErTh.", .a)
        #expect(response.questions.first?.name.hasSameSpelling(as: try DNSName("wEb.SeRvIcE.bErTh.")) == true)
        #expect(response.answers.first?.name.hasSameSpelling(as: try DNSName("wEb.SeRvIcE.bErTh.")) == true)
    }

    @Test(arguments: [
        ("gone.service.berth.", DNSType.a, DNSRCode.nameError, 0, 1),
        ("web.service.berth.", .aaaa, .noError, 0, 1),
        ("service.berth.", .a, .noError, 0, 1),
        ("example.com.", .a, .refused, 0, 0),
        ("berth.", .axfr, .refused, 0, 0),
        ("berth.", .ixfr, .refused, 0, 0),
        ("berth.", .soa, .noError, 1, 0),
        ("web.service.berth.", .any, .noError, 1, 0),
    ])
    func negativeAndSpecialAnswers(name: String, type: DNSType, rcode: DNSRCode, answers: Int, authority: Int) throws {
        var harness = ResponderHarness()
        let response = try harness.ask(name, type)
        #expect(response.rcode == rcode)
        #expect(response.answers.count == answers)
        #expect(response.authority.count == authority)
        #expect(response.authority.allSatisfy { $0.type == .soa && $0.name == (try! DNSName("berth.")) })
        #expect(response.header.isAuthoritative == (rcode != .refused))
    }

    @Test func otherClassesAreRefused() throws {
        var harness = ResponderHarness()
        let response = try harness.ask(ResponderHarness.query("version.bind.", .txt, dnsClass: .chaos))
        #expect(response?.rcode == .refused)
    }

    @Test func ednsVersionOneIsBadVersion() throws {
        var harness = ResponderHarness()
        let response = try harness.ask("web.service.berth.", .a, edns: DNSEDNS(version: 1))
        #expect(response.rcode == .badVersion)
        #expect(response.answers.isEmpty)
        #expect(response.edns?.version == 0)
    }

    @Test func ednsIsAnsweredWithEDNS() throws {
        var harness = ResponderHarness()
        let response = try harness.ask("web.service.berth.", .a, edns: DNSEDNS(udpPayloadSize: 4096, dnssecOK: true))
        #expect(response.edns?.udpPayloadSize == 1232)
        #expect(response.edns?.dnssecOK == true)
    }

    /// Names are compressed: every owner after the question is a pointer.
    @Test func answersAreCompressed() throws {
        var harness = ResponderHarness()
        let response = harness.raw(ResponderHarness.query("web.service.berth.", .srv))
        let bytes = try #require(response)
        let message = try DNSMessage(parsing: bytes)
        #expect(message.answers.count == 3 && message.additional.count == 2)
        // Uncompressed, 3 SRV owners and 2 A owners would each repeat "web.service.berth." (19 bytes).
        let question = 12 + 19 + 4
        let srvTargets = 3 * 34
        #expect(bytes.count < question + 3 * (2 + 10 + 6) + srvTargets + 2 * (2 + 14) + 1)
    }

    @Test func dnsrrAnswersRotate() throws {
        var harness = ResponderHarness()
        var firsts: [DNSRData] = []
        var sets: Set<[DNSRData]> = []
        for _ in 0..<6 {
            let answers = try harness.ask("db.service.berth.", .a).answers.map(\.data)
            #expect(Set(answers).count == 3)
            firsts.append(answers[0])
            sets.insert(answers)
        }
        #expect(Set(firsts).count == 3, "each address comes first in turn")
        #expect(sets.count == 3, "three rotations of one list")
        // A VIP service never rotates.
        let vip = try (0..<3).map { _ in try harness.ask("web.service.berth.", .a).answers.map(\.data) }
        #expect(Set(vip).count == 1)
    }

    /// Over UDP the answer is cut to 512 bytes (no EDNS) or the client's size (at most 1232),
    /// with TC set; over TCP it is whole.
    @Test(arguments: [(nil as UInt16?, 512), (1232, 1232), (4096, 1232), (700, 700), (100, 512)])
    func bigAnswersTruncateOverUDP(payload: UInt16?, limit: Int) throws {
        var state = ZoneFixture.state
        var targets: [DNSZoneState.Target] = []
        for i in 0..<200 {
            let digits = String(i)
            let id: String = "ffff" + String(repeating: "0", count: 12 - digits.count) + digits
            let ip = DNSIPv4Address(10, 88, UInt8(i / 250), UInt8(i % 250 + 2))
            targets.append(DNSZoneState.Target(container: id, ip: ip, port: 8080))
        }
        state.set(service: "big", .init(name: "big", vip: nil, endpointMode: .dnsrr, namedPorts: [.init(name: "http", port: 8080, protocol: .tcp)]))
        state.set(targets: "big", targets)
        var harness = ResponderHarness(state: state)
        let edns = payload.map { DNSEDNS(udpPayloadSize: $0) }
        for type in [DNSType.a, .srv] {
            let response = harness.raw(ResponderHarness.query("big.service.berth.", type, edns: edns), over: .udp)
            let udp = try #require(response)
            #expect(udp.count <= limit)
            let cut = try DNSMessage(parsing: udp)
            #expect(cut.header.isTruncated)
            #expect(cut.answers.count < 200 && !cut.answers.isEmpty)
            #expect((cut.edns != nil) == (payload != nil))
            let tcp = try harness.ask("big.service.berth.", type, edns: edns, over: .tcp)
            #expect(!tcp.header.isTruncated)
            #expect(tcp.answers.count == 200)
            #expect(tcp.additional.count == (type == .srv ? 200 : 0))
        }
    }

    static func patched(_ bytes: [UInt8], at index: Int, _ change: (UInt8) -> UInt8) -> [UInt8] {
        var bytes = bytes
        bytes[index] = change(bytes[index])
        return bytes
    }

    static let hostile: [([UInt8], DNSRCode?)] = {
        let query = ResponderHarness.query("web.service.berth.", .a)
        let selfPointer: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0xC0, 0x0C, 0x00, 0x01, 0x00, 0x01]
        let pastTheEnd: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 0x3F, 0x61, 0x62]
        return [
            ([], nil),
            ([0x12, 0x34, 0x01], nil),
            (patched(query, at: 2) { $0 | 0x80 }, nil),  // QR=1: a response; never answered
            (patched(query, at: 2) { ($0 & 0x87) | 0x10 }, .notImplemented),  // opcode 2 (STATUS)
            (patched(query, at: 5) { _ in 2 }, .formatError),  // two questions claimed, one present
            (selfPointer, .formatError),  // a compression pointer to itself
            (pastTheEnd, .formatError),  // a label running past the end
        ]
    }()

    @Test(arguments: Self.hostile)
    func hostileMessages(bytes: [UInt8], rcode: DNSRCode?) throws {
        var harness = ResponderHarness()
        let response = harness.raw(bytes)
        #expect((response == nil) == (rcode == nil))
        if let response {
            #expect(response.count == 12, "header only")
            let header = try DNSMessage(parsing: response).header
            #expect(header.isResponse && header.rcode == rcode && header.id == 0x1234)
        }
    }

    /// A name over 255 bytes and a label over 63 cannot be asked: FORMERR, never a crash.
    @Test func oversizedNamesAreFormatErrors() throws {
        var harness = ResponderHarness()
        var long: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0]
        for _ in 0..<5 { long += [63] + Array(repeating: 0x61, count: 63) }
        long += [0, 0, 1, 0, 1]
        #expect(try harness.ask(long)?.rcode == .formatError)
        let label: [UInt8] = [0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0, 0, 0, 0, 0, 0, 64] + Array(repeating: 0x61, count: 64) + [0, 0, 1, 0, 1]
        #expect(try harness.ask(label)?.rcode == .formatError)
    }
}
