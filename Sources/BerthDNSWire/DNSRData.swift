/// Typed RDATA for the types Berth serves, and raw bytes for the rest.
///
/// MX is typed too, although Berth does not serve it, because its name may be compressed
/// (RFC 1035 3.3.9): kept as raw bytes, its pointers would be wrong once re-encoded elsewhere.
/// OPT is not here: see `DNSEDNS`.
public enum DNSRData: Hashable, Sendable {
    case a(DNSIPv4Address)
    case aaaa(DNSIPv6Address)
    case ns(DNSName)
    case cname(DNSName)
    case ptr(DNSName)
    case mx(preference: UInt16, exchange: DNSName)
    case soa(DNSSOA)
    case srv(DNSSRV)
    /// One or more character-strings of 0…255 bytes each (RFC 1035 3.3.14).
    case txt([[UInt8]])
    /// Any other type, its RDATA as it came (RFC 3597). Use it only for types without a case
    /// above: `.unknown(.a, …)` is written as given but reads back as `.a`.
    case unknown(DNSType, [UInt8])

    public var type: DNSType {
        switch self {
        case .a: .a
        case .aaaa: .aaaa
        case .ns: .ns
        case .cname: .cname
        case .ptr: .ptr
        case .mx: .mx
        case .soa: .soa
        case .srv: .srv
        case .txt: .txt
        case .unknown(let type, _): type
        }
    }

    /// TXT data from text, one character-string per element (UTF-8).
    public static func txt(strings: [String]) -> DNSRData {
        .txt(strings.map { Array($0.utf8) })
    }
}
