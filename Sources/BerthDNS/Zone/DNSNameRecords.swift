import BerthDNSWire

/// Everything the zone holds at one name: its record sets by type. A name that exists with no
/// records at all (`service.berth.`, `_tcp.web.service.berth.`) is an empty non-terminal: it
/// answers NODATA, not NXDOMAIN (RFC 8020).
public struct DNSNameRecords: Sendable, Hashable {
    /// One record set and the records that help resolve it (the A records of SRV targets, the
    /// nameserver's address).
    public struct RecordSet: Sendable, Hashable {
        public var answers: [DNSRecord]
        public var additional: [DNSRecord]

        public init(answers: [DNSRecord], additional: [DNSRecord] = []) {
            self.answers = answers
            self.additional = additional
        }
    }

    public var sets: [DNSType: RecordSet]
    /// The A set is served rotated, one step per answer (a `dnsrr` service's replicas).
    public var rotatesA: Bool

    public init(sets: [DNSType: RecordSet] = [:], rotatesA: Bool = false) {
        self.sets = sets
        self.rotatesA = rotatesA
    }

    /// Adds a set unless it is empty (no records means no set: the type answers NODATA).
    mutating func add(_ type: DNSType, _ answers: [DNSRecord], additional: [DNSRecord] = []) {
        guard !answers.isEmpty else { return }
        sets[type] = RecordSet(answers: answers, additional: additional)
    }
}

/// A whole answer, as the pure zone gives it: what a response to one question carries.
public struct DNSZoneAnswer: Sendable, Hashable {
    public var rcode: DNSRCode
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    public var additional: [DNSRecord]

    public init(rcode: DNSRCode, answers: [DNSRecord] = [], authority: [DNSRecord] = [], additional: [DNSRecord] = []) {
        self.rcode = rcode
        self.answers = answers
        self.authority = authority
        self.additional = additional
    }
}
