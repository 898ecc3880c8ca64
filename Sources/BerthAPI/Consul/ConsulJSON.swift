import Foundation

/// Encodes the Consul shapes (their `CodingKeys` spell Consul's PascalCase), keys sorted so the
/// same state is the same bytes: the content index compares answers by their bytes.
enum ConsulJSON {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }
}
