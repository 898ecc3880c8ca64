import BerthCore

/// An Ethernet address, parsed from and printed as `02:ab:…` (lower case, as `ip -json` prints it).
public struct MACAddress: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var bytes: [UInt8]

    public init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    public init?(_ text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for part in parts {
            guard part.count == 2, let byte = UInt8(part, radix: 16) else { return nil }
            bytes.append(byte)
        }
        self.bytes = bytes
    }

    /// A VXLAN endpoint MAC for a node, derived from its name: unicast and locally administered
    /// (low bits of the first byte 10), stable across restarts and device re-creation, so peers
    /// never hold a stale neighbour entry after this node recreates its device.
    public static func vtep(forNode name: String) -> MACAddress {
        // FNV's high bytes change little between similar names ("node1", "node2"): mix them.
        var hash = FNV1a.hash64("berth-vtep/" + name)
        hash = (hash ^ (hash >> 33)) &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        var bytes = (0..<6).map { UInt8(truncatingIfNeeded: hash >> (8 * UInt64($0))) }
        bytes[0] = (bytes[0] & 0xfc) | 0x02
        return MACAddress(bytes: bytes)!
    }

    /// A container interface's MAC: `0a:58:` (locally administered, unicast) and its IPv4 address.
    public static func container(_ address: IPv4Address) -> MACAddress {
        let v = address.value
        return MACAddress(bytes: [0x0a, 0x58, UInt8(v >> 24), UInt8(truncatingIfNeeded: v >> 16), UInt8(truncatingIfNeeded: v >> 8), UInt8(truncatingIfNeeded: v)])!
    }

    public var description: String {
        bytes.map { LinkNames.hex(UInt64($0), digits: 2) }.joined(separator: ":")
    }

    public static func < (a: MACAddress, b: MACAddress) -> Bool { a.bytes.lexicographicallyPrecedes(b.bytes) }
}
