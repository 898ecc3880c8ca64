/// Reads the plain JSON that clients send on hot paths, or gives up.
///
/// Foundation's `JSONDecoder` costs as much CPU as the rest of a node write put together. Most
/// bodies are plain: objects of known keys, strings without escapes, whole numbers. This reader
/// accepts exactly that much and returns nil on anything else (an escape, a non-ASCII byte,
/// `null`, a fraction, an unknown or repeated key, a syntax error), so the caller falls back to
/// `JSONDecoder`, which decides the unusual cases and words the errors. Whatever it accepts,
/// it reads to the value `JSONDecoder` would.
public struct SimpleJSONReader {
    private let bytes: [UInt8]
    private var i = 0

    public init(_ bytes: [UInt8]) { self.bytes = bytes }

    /// Runs `read` over the whole input; nil unless it succeeds and only whitespace follows.
    public static func read<T>(_ bytes: [UInt8], _ read: (inout SimpleJSONReader) -> T?) -> T? {
        var reader = SimpleJSONReader(bytes)
        guard let value = read(&reader) else { return nil }
        reader.skipSpace()
        return reader.i == bytes.count ? value : nil
    }

    mutating func skipSpace() {
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
    }

    private mutating func take(_ byte: UInt8) -> Bool {
        skipSpace()
        guard i < bytes.count, bytes[i] == byte else { return false }
        i += 1
        return true
    }

    /// A string of printable ASCII without escapes.
    public mutating func string() -> String? {
        guard take(UInt8(ascii: "\"")) else { return nil }
        let start = i
        while i < bytes.count {
            let byte = bytes[i]
            if byte == UInt8(ascii: "\"") {
                i += 1
                return String(decoding: bytes[start..<(i - 1)], as: UTF8.self)
            }
            guard byte >= 0x20, byte < 0x80, byte != UInt8(ascii: "\\") else { return nil }
            i += 1
        }
        return nil
    }

    /// A whole number that fits an `Int`, in JSON's own syntax (no leading zeros, no `+`).
    public mutating func integer() -> Int? {
        skipSpace()
        let negative = i < bytes.count && bytes[i] == UInt8(ascii: "-")
        if negative { i += 1 }
        let start = i
        var value = 0
        while i < bytes.count, (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(bytes[i]) {
            let digit = Int(bytes[i] - UInt8(ascii: "0"))
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = negative ? times.subtractingReportingOverflow(digit) : times.addingReportingOverflow(digit)
            guard !o1, !o2 else { return nil }
            value = sum
            i += 1
        }
        guard i > start, bytes[start] != UInt8(ascii: "0") || i == start + 1 else { return nil }
        // A fraction or an exponent is not a plain whole number: leave it to JSONDecoder.
        if i < bytes.count, bytes[i] == UInt8(ascii: ".") || bytes[i] == UInt8(ascii: "e") || bytes[i] == UInt8(ascii: "E") { return nil }
        return value
    }

    /// An object: `member` is called with each key and reads its value, returning false to give
    /// up (an unknown key, a bad value). A key seen twice gives up too.
    public mutating func object(_ member: (String, inout SimpleJSONReader) -> Bool) -> Bool {
        guard take(UInt8(ascii: "{")) else { return false }
        if take(UInt8(ascii: "}")) { return true }
        var seen: Set<String> = []
        repeat {
            guard let key = string(), seen.insert(key).inserted, take(UInt8(ascii: ":")), member(key, &self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "}"))
    }

    /// An array: `element` reads each element, returning false to give up.
    public mutating func array(_ element: (inout SimpleJSONReader) -> Bool) -> Bool {
        guard take(UInt8(ascii: "[")) else { return false }
        if take(UInt8(ascii: "]")) { return true }
        repeat {
            guard element(&self) else { return false }
        } while take(UInt8(ascii: ","))
        return take(UInt8(ascii: "]"))
    }

    /// An object whose values are all plain strings.
    public mutating func stringMap() -> [String: String]? {
        var map: [String: String] = [:]
        let ok = object { key, reader in
            guard let value = reader.string() else { return false }
            map[key] = value
            return true
        }
        return ok ? map : nil
    }
}
