/// A duration field written as people write it (`DurationText`: `"500ms"`, `"30s"`, `"1m30s"`),
/// not as Swift's `[seconds, attoseconds]`: with it a model's encoding is derived. Request
/// types still decode with `decodeDurationIfPresent`, which words the error and the limit.
@propertyWrapper
public struct DurationString: Codable, Hashable, Sendable {
    public var wrappedValue: Duration

    public init(wrappedValue: Duration) { self.wrappedValue = wrappedValue }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let text = try c.decode(String.self)
        guard let value = DurationText.parse(text) else {
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be a duration of at most 24h, like \"10s\" or \"500ms\"")
        }
        wrappedValue = value
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(DurationText.format(wrappedValue))
    }
}

extension DurationString: Defaultable {
    /// No wait: what an absent delay means (`@Defaulted @DurationString`).
    public static var defaultValue: DurationString { DurationString(wrappedValue: .zero) }
}
