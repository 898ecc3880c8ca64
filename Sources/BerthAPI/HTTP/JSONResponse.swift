import BerthCore
import BerthStore
import Foundation
import HTTPTypes
import Hummingbird

extension HTTPField.Name {
    /// The change index an answer reflects; pass it back as `?index=` to watch for the next change.
    static let berthIndex = HTTPField.Name("X-Berth-Index")!
}

/// Encodes API answers: compact JSON with sorted keys, RFC 3339 dates, and the `X-Berth-Index`
/// header.
enum JSONResponse {
    private static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        // Sorted keys: the same bytes as the event log's object JSON, which writes send back.
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func make(_ value: some Encodable, index: UInt64, status: HTTPResponse.Status = .ok) throws -> Response {
        raw(ByteBuffer(bytes: try encode(value)), index: index, status: status)
    }

    /// The answer to a write of one object: the JSON the write recorded in the event log when
    /// there is one (the same bytes this encoder makes), remembered for the next read of it.
    static func written(
        _ value: some Encodable, document: (key: ObjectKey, json: String)?, key: ObjectKey, index: UInt64,
        hub: ChangeHub, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard let document, document.key == key else { return try make(value, index: index, status: status) }
        let body = Array(document.json.utf8)
        hub.remember(body, for: key, readAt: index)
        return raw(ByteBuffer(bytes: body), index: index, status: status)
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
