/// One line of a devices allow-list in cgroup v1's `devices.allow` syntax (`c 1:3 rwm`,
/// `b *:* m`): a device type, a major and minor number (nil for `*`), and the accesses it
/// allows. The same rules feed v1's `devices.allow` and v2's BPF program
/// (`DeviceFilterProgram`), so both hierarchies enforce one list.
public struct DeviceRule: Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Character, Sendable {
        case all = "a", char = "c", block = "b"
    }

    /// What may be done with a device node, as v1 spells it (`r`, `w`, `m`) and as the kernel's
    /// BPF context encodes it (BPF_DEVCG_ACC_MKNOD 1, READ 2, WRITE 4).
    public struct Access: OptionSet, Sendable, Hashable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }

        public static let mknod = Access(rawValue: 1)
        public static let read = Access(rawValue: 2)
        public static let write = Access(rawValue: 4)
        public static let all: Access = [.mknod, .read, .write]
    }

    public var kind: Kind
    public var major: UInt32?
    public var minor: UInt32?
    public var access: Access

    /// Linux's device numbers: 12 bits of major, 20 of minor (what `DeviceFilterProgram`
    /// compares as signed 32-bit immediates).
    public static let majorLimit: UInt32 = 1 << 12, minorLimit: UInt32 = 1 << 20

    public init(_ kind: Kind, major: UInt32?, minor: UInt32?, access: Access) {
        precondition((major ?? 0) < Self.majorLimit && (minor ?? 0) < Self.minorLimit, "no such device number")
        self.kind = kind
        self.major = major
        self.minor = minor
        self.access = access
    }

    /// Parses `TYPE MAJOR:MINOR ACCESS`; nil when the text is not such a line.
    public init?(_ text: String) {
        let words = text.split(separator: " ")
        guard words.count == 3, words[0].count == 1, let kind = Kind(rawValue: words[0].first!) else { return nil }
        let numbers = words[1].split(separator: ":", omittingEmptySubsequences: false)
        guard numbers.count == 2, let major = Self.number(numbers[0], below: Self.majorLimit),
            let minor = Self.number(numbers[1], below: Self.minorLimit)
        else { return nil }
        var access: Access = []
        for letter in words[2] {
            switch letter {
            case "r": access.insert(.read)
            case "w": access.insert(.write)
            case "m": access.insert(.mknod)
            default: return nil
            }
        }
        guard !access.isEmpty else { return nil }
        self.init(kind, major: major, minor: minor, access: access)
    }

    /// `*` is nil (any); a number must be below `limit`. nil for neither (the outer optional).
    private static func number(_ text: Substring, below limit: UInt32) -> UInt32?? {
        if text == "*" { return .some(nil) }
        guard let value = UInt32(text), value < limit else { return nil }
        return .some(value)
    }

    public var description: String {
        let letters = [(Access.read, "r"), (.write, "w"), (.mknod, "m")].filter { access.contains($0.0) }.map(\.1).joined()
        return "\(kind.rawValue) \(major.map(String.init) ?? "*"):\(minor.map(String.init) ?? "*") \(letters)"
    }

    /// Whether this rule allows `access` to the device: the reference the BPF program is
    /// tested against. An access is allowed only when every part of it is (opening a node
    /// for reading and writing needs both `r` and `w`), as in v1.
    public func allows(_ type: Kind, major: UInt32, minor: UInt32, access wanted: Access) -> Bool {
        (kind == .all || kind == type) && (self.major ?? major) == major && (self.minor ?? minor) == minor
            && access.isSuperset(of: wanted)
    }
}
