/// A type's own value for an absent field: empty for collections, the documented case for an
/// enum (`PortProtocol.tcp`), all defaults for an options object (`Placement()`).
public protocol Defaultable {
    static var defaultValue: Self { get }
}

/// A field that takes its type's `defaultValue` when absent or null, with the decoding
/// synthesized: `@Defaulted public var labels: [String: String]` is the whole declaration.
/// Written as its value, always.
@propertyWrapper
public struct Defaulted<Value: Defaultable & Codable & Hashable & Sendable>: Codable, Hashable, Sendable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue)
    }
}

/// A field's own default where its type's would not do (`replicas` is 1): the provider is a
/// small type naming the value, `@Default<One> public var replicas: Int`.
public protocol DefaultProvider {
    associatedtype Value: Codable & Hashable & Sendable
    static var value: Value { get }
}

/// A field that takes `Provider.value` when absent or null (see `DefaultProvider`).
@propertyWrapper
public struct Default<Provider: DefaultProvider>: Codable, Hashable, Sendable {
    public var wrappedValue: Provider.Value

    public init(wrappedValue: Provider.Value) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        wrappedValue = try decoder.singleValueContainer().decode(Provider.Value.self)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(wrappedValue)
    }
}

extension KeyedDecodingContainer {
    public func decode<Value>(_ type: Defaulted<Value>.Type, forKey key: Key) throws -> Defaulted<Value> {
        Defaulted(wrappedValue: try decodeIfPresent(Value.self, forKey: key) ?? Value.defaultValue)
    }

    public func decode<Value: StrictDecodable>(_ type: Defaulted<Value>.Type, forKey key: Key) throws -> Defaulted<Value> {
        Defaulted(wrappedValue: try decodeIfPresent(Value.self, forKey: key) ?? Value.defaultValue)
    }

    public func decode<P>(_ type: Default<P>.Type, forKey key: Key) throws -> Default<P> {
        Default(wrappedValue: try decodeIfPresent(P.Value.self, forKey: key) ?? P.value)
    }

    public func decode<P>(_ type: Default<P>.Type, forKey key: Key) throws -> Default<P> where P.Value: StrictDecodable {
        Default(wrappedValue: try decodeIfPresent(P.Value.self, forKey: key) ?? P.value)
    }
}

// The zero values: what an absent list, map, number, flag or text means unless a field says otherwise.
extension Array: Defaultable { public static var defaultValue: Self { [] } }
extension Dictionary: Defaultable { public static var defaultValue: Self { [:] } }
extension Int: Defaultable { public static var defaultValue: Int { 0 } }
extension Bool: Defaultable { public static var defaultValue: Bool { false } }
extension String: Defaultable { public static var defaultValue: String { "" } }

/// The providers fields share: `@Default<One>` for a count or weight that starts at one,
/// `@Default<True>` for a safety switch that is on unless turned off.
public enum One: DefaultProvider { public static var value: Int { 1 } }
public enum True: DefaultProvider { public static var value: Bool { true } }
