/// A domain name: a sequence of labels, each 1…63 bytes, at most 255 bytes in wire form.
///
/// Stored as its uncompressed wire form (length-prefixed labels) without the final zero byte, in
/// one array: parsing a name costs one allocation and no `String`s. Equality and hashing fold
/// ASCII case only (RFC 4343), so "Web.Berth" == "web.berth"; bytes outside A–Z compare exactly.
/// The original spelling is kept (see `hasSameSpelling(as:)`), so an answer can echo it.
public struct DNSName: Hashable, Sendable {
    /// Length-prefixed labels, without the root's zero byte; empty for the root name.
    @usableFromInline
    internal var storage: [UInt8]

    /// The most bytes a name may take in wire form, final zero included (RFC 1035 2.3.4).
    public static let maxWireLength = 255
    /// The most bytes a label may have (RFC 1035 2.3.4).
    public static let maxLabelLength = 63

    /// The root name, ".".
    public static let root = DNSName(storage: [])

    /// Wraps storage the caller has already checked (label lengths 1…63, total ≤ 254).
    @inlinable
    internal init(storage: [UInt8]) { self.storage = storage }

    /// Builds a name from raw labels, checking the length limits.
    public init<Label: Collection<UInt8>>(labels: some Sequence<Label>) throws(DNSWireError) {
        var storage: [UInt8] = []
        for label in labels {
            guard !label.isEmpty else { throw .emptyLabel }
            guard label.count <= Self.maxLabelLength else { throw .labelTooLong(label.count) }
            guard storage.count + 1 + label.count + 1 <= Self.maxWireLength else { throw .nameTextTooLong }
            storage.append(UInt8(label.count))
            storage.append(contentsOf: label)
        }
        self.storage = storage
    }

    /// True for ".".
    public var isRoot: Bool { storage.isEmpty }

    /// Bytes this name takes uncompressed on the wire, the final zero included.
    public var wireLength: Int { storage.count + 1 }

    /// The uncompressed wire form, final zero included.
    public var wireBytes: [UInt8] { storage + [0] }

    /// How many labels, not counting the root.
    public var labelCount: Int {
        var count = 0
        var index = 0
        while index < storage.count {
            count += 1
            index += 1 + Int(storage[index])
        }
        return count
    }

    /// The labels, leftmost first, as their raw bytes.
    public var labels: [ArraySlice<UInt8>] {
        var result: [ArraySlice<UInt8>] = []
        var index = 0
        while index < storage.count {
            let length = Int(storage[index])
            result.append(storage[(index + 1)..<(index + 1 + length)])
            index += 1 + length
        }
        return result
    }

    /// The name without its leftmost label; nil for the root.
    public var parent: DNSName? {
        guard let first = storage.first else { return nil }
        return DNSName(storage: Array(storage[(1 + Int(first))...]))
    }

    /// This name followed by `suffix`: `DNSName("web").appending(DNSName("berth."))` is "web.berth.".
    public func appending(_ suffix: DNSName) throws(DNSWireError) -> DNSName {
        guard storage.count + suffix.storage.count + 1 <= Self.maxWireLength else { throw .nameTextTooLong }
        return DNSName(storage: storage + suffix.storage)
    }

    /// The same name with A–Z folded to a–z, for use as a lookup key that prints the same way.
    public func lowercased() -> DNSName {
        DNSName(storage: storage.map(DNSName.fold))
    }

    /// True when this name is `other` or lies below it ("a.web.berth" is in "berth" and in
    /// "web.berth", not in "eb.berth"), ignoring ASCII case.
    public func isSubdomain(of other: DNSName) -> Bool {
        let start = storage.count - other.storage.count
        guard start >= 0 else { return false }
        var index = 0
        while index < start { index += 1 + Int(storage[index]) }
        guard index == start else { return false }
        return storage.withUnsafeBufferPointer { mine in
            other.storage.withUnsafeBufferPointer { theirs in
                DNSName.foldedEqual(UnsafeBufferPointer(rebasing: mine[start...]), theirs)
            }
        }
    }

    /// Byte-for-byte equality, case included (`==` ignores ASCII case).
    public func hasSameSpelling(as other: DNSName) -> Bool { storage == other.storage }

    /// Inlinable, like `hash(into:)`: a server's dictionary of names calls both on every
    /// lookup, several times when probing, and a call into this module each time costs more
    /// than comparing a name.
    @inlinable
    public static func == (lhs: DNSName, rhs: DNSName) -> Bool {
        guard lhs.storage.count == rhs.storage.count else { return false }
        return lhs.storage.withUnsafeBufferPointer { a in
            rhs.storage.withUnsafeBufferPointer { b in foldedEqual(a, b) }
        }
    }

    @inlinable
    public func hash(into hasher: inout Hasher) {
        // Eight folded bytes per combine: names are hashed on every lookup.
        storage.withUnsafeBufferPointer { bytes in
            var word: UInt64 = 0
            var filled = 0
            for byte in bytes {
                word = word << 8 | UInt64(DNSName.fold(byte))
                filled += 1
                if filled == 8 {
                    hasher.combine(word)
                    word = 0
                    filled = 0
                }
            }
            hasher.combine(word)
            hasher.combine(bytes.count)
        }
    }

    /// ASCII A–Z to a–z; every other byte unchanged. Label length bytes (0…63) are never letters,
    /// so folding a whole wire-form name is safe.
    @inlinable
    internal static func fold(_ byte: UInt8) -> UInt8 {
        byte &- 65 < 26 ? byte | 0x20 : byte
    }

    /// Eight bytes at a time while they match exactly (the usual case: a server's keys and a
    /// parsed query's name are both lowercased), folding only where they differ.
    @inlinable
    internal static func foldedEqual(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Bool {
        guard a.count == b.count else { return false }
        var index = 0
        if let left = a.baseAddress, let right = b.baseAddress {
            let words = UnsafeRawPointer(left), others = UnsafeRawPointer(right)
            while index + 8 <= a.count,
                  words.loadUnaligned(fromByteOffset: index, as: UInt64.self) == others.loadUnaligned(fromByteOffset: index, as: UInt64.self) {
                index += 8
            }
        }
        while index < a.count {
            if a[index] != b[index], fold(a[index]) != fold(b[index]) { return false }
            index += 1
        }
        return true
    }
}
