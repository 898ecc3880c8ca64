import BerthCore
import Foundation
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    /// The change index an answer reflects; pass it back as `?index=` to watch for the next change.
    static let berthIndex = HTTPField.Name("X-Berth-Index")!
}

/// Encodes API answers: compact JSON, RFC 3339 dates, and the `X-Berth-Index` header.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, index: UInt64, status: HTTPResponse.Status = .ok) throws -> Response {
        raw(ByteBuffer(bytes: try encode(value)), index: index, status: status)
    }

    static func encode(_ value: some Encodable) throws -> [UInt8] {
        Array(try encoder.encode(value))
    }

    static func raw(_ body: ByteBuffer, index: UInt64, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .berthIndex: String(index)],
            body: .init(byteBuffer: body)
        )
    }
}

/// The `{"items": [...]}` wrapper of every list.
struct ItemList<Item: Encodable & Sendable>: Encodable, Sendable {
    var items: [Item]
}
