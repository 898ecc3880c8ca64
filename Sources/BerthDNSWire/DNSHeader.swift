/// The first 12 bytes' id and flags (RFC 1035 4.1.1); the four counts are not stored, as they
/// follow from the sections. All 16 flag bits are kept as they came, so the reserved Z bit and
/// anything a later RFC defines survive a round trip.
public struct DNSHeader: Hashable, Sendable {
    public var id: UInt16
    public var flags: UInt16

    public init(id: UInt16 = 0, flags: UInt16 = 0) {
        self.id = id
        self.flags = flags
    }

    /// A header from named fields; unnamed bits zero.
    public init(
        id: UInt16, isResponse: Bool, opcode: DNSOpcode = .query, isAuthoritative: Bool = false,
        isTruncated: Bool = false, recursionDesired: Bool = false, recursionAvailable: Bool = false,
        rcode: DNSRCode = .noError
    ) {
        self.init(id: id)
        self.isResponse = isResponse
        self.opcode = opcode
        self.isAuthoritative = isAuthoritative
        self.isTruncated = isTruncated
        self.recursionDesired = recursionDesired
        self.recursionAvailable = recursionAvailable
        self.rcode = rcode
    }

    static let qrBit: UInt16 = 0x8000
    static let aaBit: UInt16 = 0x0400
    static let tcBit: UInt16 = 0x0200
    static let rdBit: UInt16 = 0x0100
    static let raBit: UInt16 = 0x0080
    static let adBit: UInt16 = 0x0020
    static let cdBit: UInt16 = 0x0010

    /// QR: set in responses. A server drops messages with it set rather than answer them.
    public var isResponse: Bool {
        get { flags & Self.qrBit != 0 }
        set { set(Self.qrBit, newValue) }
    }

    public var opcode: DNSOpcode {
        get { DNSOpcode(UInt8(truncatingIfNeeded: flags >> 11)) }
        set { flags = flags & ~0x7800 | UInt16(newValue.rawValue) << 11 }
    }

    /// AA: the answer comes from the zone's own data.
    public var isAuthoritative: Bool {
        get { flags & Self.aaBit != 0 }
        set { set(Self.aaBit, newValue) }
    }

    /// TC: the answer did not fit; ask again over TCP.
    public var isTruncated: Bool {
        get { flags & Self.tcBit != 0 }
        set { set(Self.tcBit, newValue) }
    }

    /// RD: copied from query to response.
    public var recursionDesired: Bool {
        get { flags & Self.rdBit != 0 }
        set { set(Self.rdBit, newValue) }
    }

    public var recursionAvailable: Bool {
        get { flags & Self.raBit != 0 }
        set { set(Self.raBit, newValue) }
    }

    /// AD (RFC 4035 3.2.3).
    public var authenticData: Bool {
        get { flags & Self.adBit != 0 }
        set { set(Self.adBit, newValue) }
    }

    /// CD (RFC 4035 3.2.2): copied from query to response (RFC 6840 5.9).
    public var checkingDisabled: Bool {
        get { flags & Self.cdBit != 0 }
        set { set(Self.cdBit, newValue) }
    }

    /// The header's 4 RCODE bits only; `DNSMessage.rcode` adds the EDNS extension.
    public var rcode: DNSRCode {
        get { DNSRCode(flags & 0x000F) }
        set { flags = flags & ~0x000F | newValue.headerBits }
    }

    private mutating func set(_ bit: UInt16, _ on: Bool) {
        flags = on ? flags | bit : flags & ~bit
    }
}
