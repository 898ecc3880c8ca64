import Foundation

/// A request type that refuses fields it does not declare, with its `init(from:)` synthesized.
///
/// Swift's synthesized decoding drops unknown fields; an API that does so lets a typo such as
/// `"replica"` for `"replicas"` pass unnoticed. A conforming type is decoded through
/// `StrictDecoder`, which compares the object's keys with the `CodingKeys` the synthesized
/// `init(from:)` asks for, before any field is read. That happens wherever the type is decoded
/// as a field of another `Codable` type (the overloads below are what synthesized code calls),
/// in an array (`Array` conforms when its element does), and at the top through
/// `JSONDecoder.decode` with the type named, or `decodeChecked` from generic code. A type that
/// carries one inline (a container's template) checks the union itself with `strictContainer`.
public protocol StrictDecodable: Decodable {
    /// Decodes a value from `decoder`, refusing unknown fields.
    static func decodeStrictly(from decoder: any Decoder) throws -> Self
}

extension StrictDecodable {
    public static func decodeStrictly(from decoder: any Decoder) throws -> Self {
        try Self(from: StrictDecoder(base: decoder))
    }
}

extension Array: StrictDecodable where Element: StrictDecodable {
    public static func decodeStrictly(from decoder: any Decoder) throws -> [Element] {
        var c = try decoder.unkeyedContainer()
        var out: [Element] = []
        if let count = c.count { out.reserveCapacity(count) }
        while !c.isAtEnd { out.append(try Element.decodeStrictly(from: c.superDecoder())) }
        return out
    }
}

/// Hands out keyed containers that refuse undeclared keys (`strictContainer`); everything else
/// is the wrapped decoder's. One level only: nested values are checked by their own decode site.
public struct StrictDecoder: Decoder {
    let base: any Decoder

    public var codingPath: [any CodingKey] { base.codingPath }
    public var userInfo: [CodingUserInfoKey: Any] { base.userInfo }

    public func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        try base.strictContainer(keyedBy: type)
    }

    public func unkeyedContainer() throws -> any UnkeyedDecodingContainer { try base.unkeyedContainer() }
    public func singleValueContainer() throws -> any SingleValueDecodingContainer { try base.singleValueContainer() }
}

extension KeyedDecodingContainer {
    /// What synthesized code calls for a strict field: a missing key is `keyNotFound`, as usual.
    public func decode<T: StrictDecodable>(_ type: T.Type, forKey key: Key) throws -> T {
        guard contains(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "No value associated with key \(key.stringValue)"))
        }
        return try T.decodeStrictly(from: superDecoder(forKey: key))
    }

    /// What synthesized code calls for an optional strict field: absent or null is nil.
    public func decodeIfPresent<T: StrictDecodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        guard contains(key), try !decodeNil(forKey: key) else { return nil }
        return try T.decodeStrictly(from: superDecoder(forKey: key))
    }
}

extension JSONDecoder {
    /// A strict type named at the call site is strict at the top too.
    public func decode<T: StrictDecodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(StrictRoot<T>.self, from: data).value
    }

    /// `decode` for generic code, where the overload above is not chosen: strict when `T` is.
    public func decodeChecked<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard let strict = T.self as? any StrictDecodable.Type else { return try decode(type, from: data) }
        return try decodeRoot(strict, from: data) as! T  // `strict` is `T.self`
    }

    private func decodeRoot<T: StrictDecodable>(_ type: T.Type, from data: Data) throws -> T {
        try decode(StrictRoot<T>.self, from: data).value
    }
}

/// The top of a document holding a strict type: decodes it through `StrictDecoder`.
private struct StrictRoot<T: StrictDecodable>: Decodable {
    let value: T
    init(from decoder: any Decoder) throws { value = try T.decodeStrictly(from: decoder) }
}
