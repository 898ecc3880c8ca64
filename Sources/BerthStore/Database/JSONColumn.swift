import BerthCore
import Foundation

/// JSON in TEXT columns: labels, templates and event objects.
///
/// Keys are sorted so the same value always yields the same text, which keeps event objects
/// and backups byte-for-byte reproducible.
enum JSONColumn {
    static func encode(_ value: some Encodable) throws -> String {
        if let value = value as? any JSONTextEncodable { return value.jsonText }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    /// A flat string map such as labels: `{"k":"v",…}`. Label keys and values are validated to
    /// letters, digits and `-_./`, so a plain scan reads them several times faster than
    /// JSONDecoder (the scheduler and the service controller read every node's labels on each
    /// pass); anything unusual goes through JSONDecoder.
    static func decodeStringMap(_ text: String) throws -> [String: String] {
        if let map = SimpleJSONReader.read(Array(text.utf8), { $0.stringMap() }) { return map }
        return try decode([String: String].self, from: text)
    }

    static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return try decoder.decodeChecked(type, from: Data(text.utf8))
    }
}
