/// The names of the links this module owns; any other link is never changed or deleted.
public enum LinkNames {
    /// The node bridge every container's veth is attached to.
    public static let bridge = "berth0"
    /// The prefix of the VXLAN device (`berthvx<vni>`).
    public static let vxlanPrefix = "berthvx"
    /// The prefix of containers' host-side veths.
    public static let containerPrefix = "bv"
    /// The container side of the veth pair.
    public static let containerInterface = "eth0"

    public static func vxlan(vni: UInt32) -> String { "\(vxlanPrefix)\(vni)" }

    public static func containerLink(forID id: String) -> String {
        let hash = FNV1a.hash32(id)
        return containerPrefix + hex(UInt64(hash), digits: 8)
    }

    /// Whether `name` is one of ours (and so may be reported as owned, changed or deleted).
    public static func isOwned(_ name: String) -> Bool {
        name == bridge || isVXLAN(name) || isContainerLink(name)
    }

    public static func isVXLAN(_ name: String) -> Bool {
        name.hasPrefix(vxlanPrefix) && name.count > vxlanPrefix.count
            && name.dropFirst(vxlanPrefix.count).allSatisfy(\.isNumber)
    }

    public static func isContainerLink(_ name: String) -> Bool {
        name.utf8.count == 10 && name.hasPrefix(containerPrefix)
            && name.dropFirst(2).allSatisfy { $0.isHexDigit && !$0.isUppercase }
    }

    static func hex(_ value: UInt64, digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }
}

/// FNV-1a: a tiny stable hash (Swift's `Hasher` is seeded per process, so names made with it
/// would change on every agent restart).
enum FNV1a {
    static func hash32(_ text: String) -> UInt32 {
        var hash: UInt32 = 0x811c_9dc5
        for byte in text.utf8 {
            hash ^= UInt32(byte)
            hash = hash &* 0x0100_0193
        }
        return hash
    }

    static func hash64(_ text: String) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 {
            hash ^= UInt64(byte)
            hash = hash &* 0x0000_0100_0000_01b3
        }
        return hash
    }
}
