import Foundation

/// JSON written by hand where an encoder is too slow or too much: API error bodies, the event
/// feed, label columns, JSON log lines. One quoting function for all of them.
public enum JSONText {
    /// A JSON string literal for `text`, with the escapes RFC 8259 requires, written as
    /// Foundation's JSONEncoder writes them (so hand-written and encoded JSON are the same bytes).
    public static func quote(_ text: String) -> String {
        // Most text (names, addresses, labels) needs no escape: say so in one pass over the bytes.
        if !text.utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{c}": out += "\\f"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }

    /// A date as JSONEncoder's `.iso8601` strategy writes it (whole seconds, UTC, `Z`).
    public static func date(_ date: Date) -> String { date.formatted(.iso8601) }

    /// A map of names to integers (a container's host ports), keys sorted.
    public static func intMap(_ map: [String: Int]) -> String {
        var out = "{"
        for (i, key) in map.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            out += quote(key) + ":" + String(map[key]!)
        }
        return out + "}"
    }

    /// A flat string map such as labels, keys sorted, as JSONEncoder with `.sortedKeys` writes it.
    public static func stringMap(_ map: [String: String]) -> String {
        var out = "{"
        for (i, key) in map.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            out += quote(key) + ":" + quote(map[key]!)
        }
        return out + "}"
    }
}

/// A value that writes its own JSON, byte for byte what `JSONEncoder` with sorted keys and
/// ISO 8601 dates would write, for the few values encoded on every write.
public protocol JSONTextEncodable: Encodable {
    var jsonText: String { get }
}

/// A request body with a fast path for plain JSON (see `SimpleJSONReader`): nil means "not
/// plain; decode it with JSONDecoder", never "invalid".
public protocol PlainJSONDecodable: Decodable {
    init?(plainJSON bytes: [UInt8])
}
