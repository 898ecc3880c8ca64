/// An IPv4 address as a 32-bit number, so subnets can be carved with arithmetic.
public struct IPv4Address: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var value: UInt32

    public init(_ value: UInt32) { self.value = value }

    /// Parses dotted-quad text; rejects leading zeros and out-of-range parts.
    ///
    /// One pass over the bytes, with no allocation: the scheduler parses every address leased
    /// on the nodes it places on, which at 100,000 containers is most of a pass otherwise.
    /// Inlinable, so callers in other modules get it specialised for their string type (the
    /// generic form walks the bytes through witness tables, several times slower).
    @inlinable
    public init?(_ text: some StringProtocol) {
        var value: UInt32 = 0
        var part: UInt32 = 0
        var digits = 0
        var dots = 0
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "."):
                guard digits > 0, dots < 3 else { return nil }
                value = value << 8 | part
                dots += 1
                part = 0
                digits = 0
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                guard digits < 3, digits == 0 || part != 0 else { return nil }  // at most 3 digits, no leading zero
                part = part * 10 + UInt32(byte - UInt8(ascii: "0"))
                guard part <= 255 else { return nil }
                digits += 1
            default:
                return nil
            }
        }
        guard digits > 0, dots == 3 else { return nil }
        self.value = value << 8 | part
    }

    public var description: String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    public static func < (a: IPv4Address, b: IPv4Address) -> Bool { a.value < b.value }
}
