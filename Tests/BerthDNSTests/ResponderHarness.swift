import BerthDNS
import BerthDNSWire

/// A `DNSResponder` over the fixture's zone, and the queries and reads the tests share.
struct ResponderHarness {
    let responder: DNSResponder
    var session: DNSResponder.Session

    init(state: DNSZoneState = ZoneFixture.state, zone: DNSZone = ZoneFixture.zone) {
        responder = DNSResponder(zone: zone, table: DNSAnswerTable(zone: zone, state: state))
        session = DNSResponder.Session(metrics: responder.metrics)
    }

    /// A query as a stub resolver sends it.
    static func query(_ name: String, _ type: DNSType, id: UInt16 = 0x1234, edns: DNSEDNS? = nil, dnsClass: DNSClass = .internet) -> [UInt8] {
        let message = DNSMessage(
            header: DNSHeader(id: id, isResponse: false, recursionDesired: true),
            questions: [DNSQuestion(name: try! DNSName(name), type: type, dnsClass: dnsClass)], edns: edns
        )
        return try! message.encode()
    }

    /// The raw response, or nil when the message was dropped.
    mutating func raw(_ bytes: [UInt8], over transport: DNSResponder.Transport = .udp) -> [UInt8]? {
        var out: [UInt8] = []
        let answered = bytes.withUnsafeBytes { responder.respond(to: $0, over: transport, session: &session, into: &out) }
        return answered ? out : nil
    }

    /// The response, parsed (nil when dropped; a parse failure is a test failure upstream).
    mutating func ask(_ bytes: [UInt8], over transport: DNSResponder.Transport = .udp) throws -> DNSMessage? {
        try raw(bytes, over: transport).map { try DNSMessage(parsing: $0) }
    }

    mutating func ask(_ name: String, _ type: DNSType, edns: DNSEDNS? = nil, over transport: DNSResponder.Transport = .udp) throws -> DNSMessage {
        try ask(Self.query(name, type, edns: edns), over: transport)!
    }
}
