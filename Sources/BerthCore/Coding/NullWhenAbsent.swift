/// An optional field that every Berth object writes, `null` when absent, so clients always
/// see each documented field: what synthesized encoding would omit. With it a model's encoding
/// is derived (no hand-written `encode(to:)` to keep in step with its fields); decoding reads a
/// missing key or `null` as nil, as the synthesized `decodeIfPresent` does.
@propertyWrapper
public struct NullWhenAbsent<Value: Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        wrappedValue = c.decodeNil() ? nil : try c.decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        if let wrappedValue { try c.encode(wrappedValue) } else { try c.encodeNil() }
    }
}

extension KeyedDecodingContainer {
    /// A missing key is nil, as for any optional (synthesized decoding asks for the wrapper
    /// with `decode`, which would otherwise require the key).
    public func decode<Value>(_ type: NullWhenAbsent<Value>.Type, forKey key: Key) throws -> NullWhenAbsent<Value> {
        NullWhenAbsent(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}

extension KeyedDecodingContainer {
    /// The same for a strict type (a template's `healthCheck`), which keeps refusing unknown fields.
    public func decode<Value: StrictDecodable>(_ type: NullWhenAbsent<Value>.Type, forKey key: Key) throws -> NullWhenAbsent<Value> {
        NullWhenAbsent(wrappedValue: try decodeIfPresent(Value.self, forKey: key))
    }
}
