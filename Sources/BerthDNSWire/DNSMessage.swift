/// A whole DNS message (RFC 1035 4.1): header, the four sections, and EDNS.
///
/// Parse with `DNSMessage(parsing:)`, write with `encode(maxSize:)`. For answering queries on the
/// hot path, see `DNSQuery` and `DNSEncodedAnswer`, which avoid building this value at all.
public struct DNSMessage: Hashable, Sendable {
    public var header: DNSHeader
    public var questions: [DNSQuestion]
    public var answers: [DNSRecord]
    public var authority: [DNSRecord]
    /// The additional section without the OPT record, which is `edns`.
    public var additional: [DNSRecord]
    /// The OPT record, if any; the encoder writes it as the last additional record.
    public var edns: DNSEDNS?

    public init(
        header: DNSHeader, questions: [DNSQuestion] = [], answers: [DNSRecord] = [],
        authority: [DNSRecord] = [], additional: [DNSRecord] = [], edns: DNSEDNS? = nil
    ) {
        self.header = header
        self.questions = questions
        self.answers = answers
        self.authority = authority
        self.additional = additional
        self.edns = edns
    }

    /// The full 12-bit RCODE: the header's 4 bits and, with EDNS, the OPT record's 8. Setting a
    /// value over 15 without `edns` keeps only the low 4 bits, so set `edns` first.
    public var rcode: DNSRCode {
        get { DNSRCode(header.rcode.rawValue | UInt16(edns?.extendedRCode ?? 0) << 4) }
        set {
            header.rcode = newValue
            edns?.extendedRCode = newValue.extendedBits
        }
    }
}
