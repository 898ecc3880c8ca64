/// A coding key that accepts any string, used to list the keys a JSON object really has.
public struct AnyCodingKey: CodingKey, Hashable, Sendable {
    public var stringValue: String
    public var intValue: Int?
    public init(stringValue: String) { self.stringValue = stringValue }
    public init(intValue: Int) {
        self.stringValue = String(intValue)
        self.intValue = intValue
    }
}

extension Decoder {
    /// A keyed container that refuses keys the type does not declare.
    ///
    /// Swift's synthesized decoding silently drops unknown fields; an API that does so lets a
    /// typo such as `"replicas"` → `"replica"` pass unnoticed, so every request type uses this.
    public func strictContainer<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        let raw = try container(keyedBy: AnyCodingKey.self)
        if let unknown = raw.allKeys.first(where: { Key(stringValue: $0.stringValue) == nil }) {
            throw DecodingError.dataCorrupted(
                .init(codingPath: codingPath + [unknown], debugDescription: "unknown field")
            )
        }
        return try container(keyedBy: Key.self)
    }
}

/// Renders a coding path as a field name users recognise: `template.ports[1].containerPort`.
public func fieldPath(_ path: [any CodingKey]) -> String {
    var out = ""
    for key in path {
        if let index = key.intValue {
            out += "[\(index)]"
        } else {
            out += out.isEmpty ? key.stringValue : ".\(key.stringValue)"
        }
    }
    return out
}

extension BerthError {
    /// Turns a JSON decoding failure into a 400 that names the field and the rule; a problem
    /// with the document as a whole is reported against `body`.
    public static func from(decoding error: DecodingError) -> BerthError {
        if case .invalidArgument(let field, let message) = describe(error), field.isEmpty {
            return .invalidArgument(field: "body", message: message)
        }
        return describe(error)
    }

    private static func describe(_ error: DecodingError) -> BerthError {
        switch error {
        case .typeMismatch(let type, let context):
            return .invalidArgument(field: fieldPath(context.codingPath), message: "expected \(jsonTypeName(type))")
        case .valueNotFound(let type, let context):
            return .invalidArgument(field: fieldPath(context.codingPath), message: "expected \(jsonTypeName(type)), got null")
        case .keyNotFound(let key, let context):
            return .invalidArgument(field: fieldPath(context.codingPath + [key]), message: "is required")
        case .dataCorrupted(let context):
            if context.codingPath.isEmpty {
                return .invalidArgument(field: "body", message: "is not valid JSON")
            }
            return .invalidArgument(field: fieldPath(context.codingPath), message: context.debugDescription)
        @unknown default:
            return .invalidArgument(field: "body", message: "could not be decoded")
        }
    }

    private static func jsonTypeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Int64.Type, is UInt64.Type, is Int32.Type: "an integer"
        case is Double.Type: "a number"
        case is Bool.Type: "a boolean"
        case is [String].Type: "an array of strings"
        case is [String: String].Type: "an object of strings"
        default:
            String(describing: type).hasPrefix("Array") ? "an array" : "an object"
        }
    }
}

extension KeyedDecodingContainer {
    /// A duration written as text (`"10s"`, `"500ms"`), parsed as it is decoded; a malformed one is
    /// a 400 naming the field.
    public func decodeDurationIfPresent(forKey key: Key) throws -> Duration? {
        guard let text = try decodeIfPresent(String.self, forKey: key) else { return nil }
        guard let value = DurationText.parse(text) else {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self, debugDescription: "must be a duration of at most 24h, like \"10s\" or \"500ms\""
            )
        }
        return value
    }
}
