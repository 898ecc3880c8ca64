/// The input rules shared by every resource: names, label keys and values, bounded numbers.
///
/// Each check throws `BerthError.invalidArgument` naming the field, so callers only say where.
public enum Rules {
    /// DNS label: lowercase letters, digits and `-`, 1–63 characters, alphanumeric at both ends.
    public static func name(_ value: String, field: String = "name") throws(BerthError) {
        guard isDNSLabel(value) else {
            throw .invalidArgument(
                field: field,
                message: "\"\(value.prefix(80))\" is not a DNS label (lowercase letters, digits and '-', "
                    + "1 to 63 characters, starting and ending with a letter or digit)"
            )
        }
    }

    public static func isDNSLabel(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool { (b >= 0x61 && b <= 0x7a) || (b >= 0x30 && b <= 0x39) }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2d }
    }

    /// Label keys: letters, digits, `-`, `_`, `.`; 1–63 characters; alphanumeric at both ends.
    public static func isLabelKey(_ value: String) -> Bool {
        let bytes = Array(value.utf8)
        guard (1...63).contains(bytes.count) else { return false }
        func alnum(_ b: UInt8) -> Bool {
            (b >= 0x61 && b <= 0x7a) || (b >= 0x41 && b <= 0x5a) || (b >= 0x30 && b <= 0x39)
        }
        guard alnum(bytes.first!), alnum(bytes.last!) else { return false }
        return bytes.allSatisfy { alnum($0) || $0 == 0x2d || $0 == 0x5f || $0 == 0x2e }
    }

    /// Label values: empty, or like a key but up to 63 characters of `[A-Za-z0-9._-]`.
    public static func isLabelValue(_ value: String) -> Bool {
        value.isEmpty || isLabelKey(value)
    }

    public static let maxLabels = 64

    public static func labels(_ labels: [String: String], field: String = "labels") throws(BerthError) {
        guard labels.count <= maxLabels else {
            throw .invalidArgument(field: field, message: "at most \(maxLabels) labels, got \(labels.count)")
        }
        for (key, value) in labels.sorted(by: { $0.key < $1.key }) {
            guard isLabelKey(key) else {
                throw .invalidArgument(
                    field: "\(field).\(key.prefix(80))",
                    message: "label keys are 1 to 63 of letters, digits, '-', '_', '.', alphanumeric at both ends"
                )
            }
            guard isLabelValue(value) else {
                throw .invalidArgument(
                    field: "\(field).\(key)",
                    message: "label values are up to 63 of letters, digits, '-', '_', '.', alphanumeric at both ends"
                )
            }
        }
    }

    public static func range<T: BinaryInteger>(_ value: T, _ range: ClosedRange<T>, field: String) throws(BerthError) {
        guard range.contains(value) else {
            throw .invalidArgument(field: field, message: "must be between \(range.lowerBound) and \(range.upperBound), got \(value)")
        }
    }

    public static func length(_ value: String, _ range: ClosedRange<Int>, field: String) throws(BerthError) {
        guard range.contains(value.utf8.count) else {
            throw .invalidArgument(field: field, message: "length must be between \(range.lowerBound) and \(range.upperBound)")
        }
    }

    public static func count(_ count: Int, max: Int, field: String) throws(BerthError) {
        guard count <= max else {
            throw .invalidArgument(field: field, message: "at most \(max) items, got \(count)")
        }
    }

    /// A node address: an IPv4 or IPv6 literal, or a DNS hostname.
    public static func address(_ value: String, field: String = "address") throws(BerthError) {
        let ok: Bool
        if IPv4Address(value) != nil {
            ok = true
        } else if value.contains(":") {
            ok = isIPv6Literal(value)
        } else {
            ok = value.utf8.count <= 253 && !value.isEmpty
                && value.split(separator: ".", omittingEmptySubsequences: false).allSatisfy {
                    isDNSLabel($0.lowercased()) && !$0.allSatisfy(\.isNumber)
                }
        }
        guard ok else {
            throw .invalidArgument(field: field, message: "\"\(value.prefix(80))\" is not an IP address or hostname")
        }
    }

    /// A MAC address a node may report for its VXLAN device: six lower-case hex pairs
    /// separated by colons (`02:42:ac:11:00:02`, as `ip -json` prints them), unicast (the low
    /// bit of the first byte clear; peers program it as a neighbour) and not all zeros.
    public static func unicastMAC(_ value: String, field: String) throws(BerthError) {
        let bytes = Array(value.utf8)
        func hex(_ b: UInt8) -> Bool { (b >= 0x30 && b <= 0x39) || (b >= 0x61 && b <= 0x66) }
        let shaped = bytes.count == 17 && bytes.indices.allSatisfy { i in i % 3 == 2 ? bytes[i] == UInt8(ascii: ":") : hex(bytes[i]) }
        guard shaped else {
            throw .invalidArgument(field: field, message: "\"\(value.prefix(80))\" is not a MAC address written as six lower-case hex pairs, like 02:42:ac:11:00:02")
        }
        // The second hex digit of the first byte holds its low bit, the group (multicast) bit.
        let second = bytes[1] <= 0x39 ? bytes[1] - 0x30 : bytes[1] - 0x61 + 10
        guard second & 1 == 0 else {
            throw .invalidArgument(field: field, message: "\(value) is a multicast address (the low bit of its first byte is set); a VTEP needs a unicast MAC")
        }
        guard bytes.contains(where: { $0 != UInt8(ascii: "0") && $0 != UInt8(ascii: ":") }) else {
            throw .invalidArgument(field: field, message: "00:00:00:00:00:00 is not a usable MAC address")
        }
    }

    static func isIPv6Literal(_ value: String) -> Bool {
        guard (2...45).contains(value.utf8.count) else { return false }
        let allowed = Set("0123456789abcdefABCDEF:.")
        guard value.allSatisfy(allowed.contains) else { return false }
        let doubleColons = value.components(separatedBy: "::").count - 1
        guard doubleColons <= 1, !value.contains(":::") else { return false }
        // A colon at either end must be half of a "::".
        if value.hasPrefix(":") && !value.hasPrefix("::") || value.hasSuffix(":") && !value.hasSuffix("::") { return false }
        let groups = value.split(separator: ":", omittingEmptySubsequences: true)
        var count = 0
        for (i, group) in groups.enumerated() {
            if group.contains(".") {
                guard i == groups.count - 1, IPv4Address(String(group)) != nil else { return false }
                count += 2
            } else {
                guard group.count <= 4 else { return false }
                count += 1
            }
        }
        return doubleColons == 1 ? count < 8 : count == 8
    }
}
