import BerthCore
import Foundation

/// JSON in TEXT columns: labels, templates and event objects.
///
/// Keys are sorted so the same value always yields the same text, which keeps event objects
/// and backups byte-for-byte reproducible.
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// Writes a flat string map exactly as `encode` would (sorted keys, no escaped slashes),
    /// without JSONEncoder's generic machinery.
    static func encodeStringMap(_ map: [String: String]) throws -> String {
        var out = "{"
        for (i, key) in map.keys.sorted().enumerated() {
            if i > 0 { out += "," }
            out += JSONText.quote(key) + ":" + JSONText.quote(map[key]!)
        }
        return out + "}"
    }

    /// A flat string map such as labels: `{"k":"v",…}`. Label keys and values are validated to
    /// letters, digits and `-_./`, so they are stored without escapes and a direct scan reads
    /// them several times faster than JSONDecoder (the scheduler and the service controller read
    /// every node's labels on each pass); anything unusual goes through JSONDecoder.
    static func decodeStringMap(_ text: String) throws -> [String: String] {
        var utf8 = Array(text.utf8)
        if let map = scanFlatStringMap(&utf8) { return map }
        return try decode([String: String].self, from: text)
    }

    private static func scanFlatStringMap(_ bytes: inout [UInt8]) -> [String: String]? {
        let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")
        guard bytes.first == UInt8(ascii: "{"), bytes.last == UInt8(ascii: "}"), !bytes.contains(backslash) else { return nil }
        var map: [String: String] = [:]
        var i = 1
        let end = bytes.count - 1
        func string() -> String? {
            guard i < end, bytes[i] == quote else { return nil }
            let start = i + 1
            guard let close = bytes[start..<end].firstIndex(of: quote) else { return nil }
            i = close + 1
            return String(decoding: bytes[start..<close], as: UTF8.self)
        }
        while i < end {
            guard let key = string(), i < end, bytes[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            guard let value = string() else { return nil }
            map[key] = value
            if i < end {
                guard bytes[i] == UInt8(ascii: ",") else { return nil }
                i += 1
            }
        }
        return map
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decode(type, from: Data(text.utf8))
    }
}
