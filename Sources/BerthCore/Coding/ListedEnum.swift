/// A string enum whose unknown value is refused with the allowed ones listed (`must be one of
/// vxlan, host-gw, got "x"`) rather than Foundation's "Cannot initialize … from invalid String
/// value". Conforming is the whole decoder, so a field of such a type stays derived.
public protocol ListedEnum: RawRepresentable<String>, CaseIterable, Decodable {}

extension ListedEnum {
    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        let name = try c.decode(String.self)
        guard let value = Self(rawValue: name) else {
            let allowed = Self.allCases.map(\.rawValue).joined(separator: ", ")
            throw DecodingError.dataCorruptedError(in: c, debugDescription: "must be one of \(allowed), got \"\(name.prefix(40))\"")
        }
        self = value
    }
}
