import BerthDNSWire

/// Random valid messages for the seeded tests: names drawn so that many share suffixes (to
/// exercise compression) and differ in case, every RDATA type, random flags and EDNS.
struct RandomMessages {
    var rng: SplitMix64

    init(seed: UInt64) { rng = SplitMix64(seed: seed) }

    mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
    mutating func chance(_ percent: Int) -> Bool { int(0...99) < percent }
    mutating func bytes(_ count: Int) -> [UInt8] { (0..<count).map { _ in UInt8.random(in: 0...255, using: &rng) } }

    static let suffixes = ["berth", "service.berth", "container.berth", "Service.BERTH", "example", "in-addr.arpa", ""]
    static let alphabet = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_".utf8)

    mutating func label() -> [UInt8] {
        if chance(3) { return bytes(int(1...63)) }  // any bytes, dots and zeros included
        return (0..<int(1...12)).map { _ in Self.alphabet[int(0...(Self.alphabet.count - 1))] }
    }

    mutating func name() -> DNSName {
        if chance(3) { return .root }
        var labels = (0..<int(0...3)).map { _ in label() }
        let suffix = Self.suffixes[int(0...(Self.suffixes.count - 1))]
        if !suffix.isEmpty {
            labels += suffix.split(separator: ".").map { Array($0.utf8) }
        }
        if labels.isEmpty { labels = [label()] }
        // Keep within 255 bytes by dropping leading labels.
        while labels.reduce(1, { $0 + 1 + $1.count }) > DNSName.maxWireLength { labels.removeFirst() }
        do { return try DNSName(labels: labels) } catch { preconditionFailure("generator made a bad name: \(error)") }
    }

    /// Types with no typed case, so `.unknown` reads back as `.unknown`.
    static let opaqueTypes: [UInt16] = [13, 99, 250, 256, 65280, 65535]

    mutating func rdata() -> DNSRData {
        switch int(0...9) {
        case 0: .a(DNSIPv4Address(rawValue: UInt32.random(in: 0...UInt32.max, using: &rng)))
        case 1: .aaaa(DNSIPv6Address(high: rng.next(), low: rng.next()))
        case 2: .ns(name())
        case 3: .cname(name())
        case 4: .ptr(name())
        case 5: .mx(preference: UInt16(int(0...65535)), exchange: name())
        case 6: .soa(DNSSOA(
            primary: name(), mailbox: name(), serial: UInt32(truncatingIfNeeded: rng.next()),
            refresh: UInt32(truncatingIfNeeded: rng.next()), retry: UInt32(int(0...9999)),
            expire: UInt32(int(0...99999)), minimum: UInt32(int(0...3600))))
        case 7: .srv(DNSSRV(priority: UInt16(int(0...65535)), weight: UInt16(int(0...65535)), port: UInt16(int(0...65535)), target: name()))
        case 8: .txt((0..<int(0...3)).map { _ in bytes(chance(10) ? 255 : int(0...20)) })
        default: .unknown(DNSType(Self.opaqueTypes[int(0...(Self.opaqueTypes.count - 1))]), bytes(int(0...40)))
        }
    }

    mutating func record() -> DNSRecord {
        DNSRecord(name: name(), dnsClass: DNSClass(chance(90) ? 1 : UInt16(int(0...65535))),
                  ttl: UInt32(truncatingIfNeeded: rng.next()), data: rdata())
    }

    mutating func edns() -> DNSEDNS? {
        guard chance(60) else { return nil }
        var edns = DNSEDNS(udpPayloadSize: UInt16(int(0...65535)), extendedRCode: UInt8(int(0...255)), version: UInt8(int(0...2)))
        edns.flags = UInt16(int(0...65535))
        edns.options = (0..<int(0...2)).map { _ in DNSEDNS.Option(code: UInt16(int(0...65535)), data: bytes(int(0...16))) }
        return edns
    }

    mutating func message() -> DNSMessage {
        DNSMessage(
            header: DNSHeader(id: UInt16(int(0...65535)), flags: UInt16(int(0...65535))),
            questions: (0..<int(0...2)).map { _ in DNSQuestion(name: name(), type: DNSType(UInt16(int(0...300))), dnsClass: .internet) },
            answers: (0..<int(0...6)).map { _ in record() },
            authority: (0..<int(0...3)).map { _ in record() },
            additional: (0..<int(0...4)).map { _ in record() },
            edns: edns())
    }

    /// A query as a client would send it: QR=0, QUERY, one question, maybe EDNS.
    mutating func query() -> DNSMessage {
        var header = DNSHeader(id: UInt16(int(0...65535)), flags: UInt16(int(0...65535)))
        header.isResponse = false
        header.opcode = .query
        return DNSMessage(header: header, questions: [DNSQuestion(name: name(), type: DNSType(UInt16(int(1...300))))], edns: edns())
    }
}
