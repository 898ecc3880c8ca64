/// A response code, 12 bits wide: the low 4 bits live in the header, the high 8 in the OPT
/// record's extended RCODE (RFC 6891 6.1.3), so values over 15 need EDNS.
public struct DNSRCode: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt16
    /// Keeps only the low 12 bits: the field is 12 bits wide.
    public init(rawValue: UInt16) { self.rawValue = rawValue & 0x0FFF }
    public init(_ rawValue: UInt16) { self.init(rawValue: rawValue) }

    public static let noError = DNSRCode(0)
    public static let formatError = DNSRCode(1)
    public static let serverFailure = DNSRCode(2)
    public static let nameError = DNSRCode(3)
    public static let notImplemented = DNSRCode(4)
    public static let refused = DNSRCode(5)
    public static let notAuthoritative = DNSRCode(9)
    public static let badVersion = DNSRCode(16)

    /// The 4 bits that go in the header.
    public var headerBits: UInt16 { rawValue & 0x0F }
    /// The 8 bits that go in the OPT record.
    public var extendedBits: UInt8 { UInt8(truncatingIfNeeded: rawValue >> 4) }

    public var description: String {
        switch self {
        case .noError: "NOERROR"
        case .formatError: "FORMERR"
        case .serverFailure: "SERVFAIL"
        case .nameError: "NXDOMAIN"
        case .notImplemented: "NOTIMP"
        case .refused: "REFUSED"
        case .notAuthoritative: "NOTAUTH"
        case .badVersion: "BADVERS"
        default: "RCODE\(rawValue)"
        }
    }
}
