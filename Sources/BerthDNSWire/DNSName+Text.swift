/// Zone-file text for names (RFC 1035 5.1): "web.service.berth." with or without the final dot,
/// `\.` and `\\` (or any `\X`) for a literal character, `\DDD` for any byte.
extension DNSName: CustomStringConvertible {
    /// Parses text; "." is the root. The final dot is optional: every name is absolute.
    public init(_ text: some StringProtocol) throws(DNSWireError) {
        if text == "." {
            self = .root
            return
        }
        var storage: [UInt8] = [0]
        storage.reserveCapacity(text.utf8.count + 2)
        var labelStart = 0
        var iterator = text.utf8.makeIterator()

        func closeLabel() throws(DNSWireError) {
            let length = storage.count - labelStart - 1
            guard length > 0 else { throw .emptyLabel }
            guard length <= DNSName.maxLabelLength else { throw .labelTooLong(length) }
            guard storage.count + 1 <= DNSName.maxWireLength else { throw .nameTextTooLong }
            storage[labelStart] = UInt8(length)
        }

        while let byte = iterator.next() {
            switch byte {
            case UInt8(ascii: "."):
                try closeLabel()
                labelStart = storage.count
                storage.append(0)
            case UInt8(ascii: "\\"):
                guard let first = iterator.next() else { throw .badEscape }
                if let d1 = DNSName.digit(first) {
                    guard let d2 = iterator.next().flatMap(DNSName.digit),
                          let d3 = iterator.next().flatMap(DNSName.digit) else { throw .badEscape }
                    let value = d1 * 100 + d2 * 10 + d3
                    guard value <= 255 else { throw .badEscape }
                    storage.append(UInt8(value))
                } else {
                    storage.append(first)
                }
            default:
                storage.append(byte)
            }
            // A label may not grow past 63 bytes; checking as we go bounds the work on long text.
            if storage.count - labelStart - 1 > DNSName.maxLabelLength {
                throw .labelTooLong(storage.count - labelStart - 1)
            }
        }
        // The loop leaves an open label: empty after a final dot (drop it), else close it.
        if storage.count - labelStart - 1 == 0 {
            guard labelStart > 0 else { throw .emptyLabel }  // "" is not a name
            storage.removeLast()
        } else {
            try closeLabel()
        }
        self.init(storage: storage)
    }

    /// Absolute text with the final dot; dots, backslashes and zone-file specials inside a label
    /// are backslash-escaped, bytes outside printable ASCII are `\DDD`.
    public var description: String {
        guard !storage.isEmpty else { return "." }
        var text: [UInt8] = []
        text.reserveCapacity(storage.count + 1)
        var index = 0
        while index < storage.count {
            let end = index + 1 + Int(storage[index])
            for byte in storage[(index + 1)..<end] {
                switch byte {
                case UInt8(ascii: "."), UInt8(ascii: "\\"), UInt8(ascii: "\""), UInt8(ascii: "("),
                     UInt8(ascii: ")"), UInt8(ascii: ";"), UInt8(ascii: "@"), UInt8(ascii: "$"):
                    text.append(UInt8(ascii: "\\"))
                    text.append(byte)
                case 0x21...0x7E:
                    text.append(byte)
                default:
                    text.append(UInt8(ascii: "\\"))
                    text.append(UInt8(ascii: "0") + byte / 100)
                    text.append(UInt8(ascii: "0") + byte / 10 % 10)
                    text.append(UInt8(ascii: "0") + byte % 10)
                }
            }
            text.append(UInt8(ascii: "."))
            index = end
        }
        return String(decoding: text, as: UTF8.self)
    }

    private static func digit(_ byte: UInt8) -> Int? {
        byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") ? Int(byte - UInt8(ascii: "0")) : nil
    }
}
