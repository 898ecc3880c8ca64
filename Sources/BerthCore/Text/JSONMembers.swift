/// The top-level members of a JSON object, as text: how a stored JSON document (a container's
/// template) is spliced into another without decoding and re-encoding it.
public enum JSONMembers {
    /// `(key, value text)` pairs of a JSON object, in order; nil if `json` is not an object this
    /// scanner can split (it does not validate values, only finds where each one ends). Keys are
    /// returned as written, without their quotes; keys with escapes are not supported (nil).
    public static func split(_ json: String) -> [(key: Substring, value: Substring)]? {
        let utf8 = json.utf8
        var i = utf8.startIndex
        func skipSpace() {
            while i < utf8.endIndex, [0x20, 0x0A, 0x0D, 0x09].contains(utf8[i]) { i = utf8.index(after: i) }
        }
        skipSpace()
        guard i < utf8.endIndex, utf8[i] == UInt8(ascii: "{") else { return nil }
        i = utf8.index(after: i)
        var members: [(key: Substring, value: Substring)] = []
        skipSpace()
        if i < utf8.endIndex, utf8[i] == UInt8(ascii: "}") { return members }
        while true {
            skipSpace()
            guard i < utf8.endIndex, utf8[i] == UInt8(ascii: "\"") else { return nil }
            let keyStart = utf8.index(after: i)
            var j = keyStart
            while j < utf8.endIndex, utf8[j] != UInt8(ascii: "\"") {
                if utf8[j] == UInt8(ascii: "\\") { return nil }
                j = utf8.index(after: j)
            }
            guard j < utf8.endIndex else { return nil }
            let key = json[keyStart..<j]
            i = utf8.index(after: j)
            skipSpace()
            guard i < utf8.endIndex, utf8[i] == UInt8(ascii: ":") else { return nil }
            i = utf8.index(after: i)
            skipSpace()
            let valueStart = i
            guard let valueEnd = endOfValue(utf8, from: i) else { return nil }
            members.append((key, json[valueStart..<valueEnd]))
            i = valueEnd
            skipSpace()
            guard i < utf8.endIndex else { return nil }
            if utf8[i] == UInt8(ascii: "}") { return members }
            guard utf8[i] == UInt8(ascii: ",") else { return nil }
            i = utf8.index(after: i)
        }
    }

    /// Where the value starting at `start` ends: past a string (escapes honoured), past the
    /// matching bracket of an array or object, or at the next `,` `}` `]` or space of a scalar.
    private static func endOfValue(_ utf8: String.UTF8View, from start: String.Index) -> String.Index? {
        var i = start
        var depth = 0
        var inString = false
        while i < utf8.endIndex {
            let byte = utf8[i]
            if inString {
                if byte == UInt8(ascii: "\\") {
                    i = utf8.index(after: i)
                    guard i < utf8.endIndex else { return nil }
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                    if depth == 0 { return utf8.index(after: i) }
                }
            } else {
                switch byte {
                case UInt8(ascii: "\""): inString = true
                case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return i }
                    depth -= 1
                    if depth == 0 { return utf8.index(after: i) }
                case UInt8(ascii: ","), 0x20, 0x0A, 0x0D, 0x09:
                    if depth == 0 { return i }
                default: break
                }
            }
            i = utf8.index(after: i)
        }
        return depth == 0 && !inString ? i : nil
    }
}
