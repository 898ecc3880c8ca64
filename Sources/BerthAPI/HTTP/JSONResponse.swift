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
        answers: AnswerCache, status: HTTPResponse.Status = .ok
    ) throws -> Response {
        guard let document, document.key == key else { return try make(value, index: index, status: status) }
        let body = Array(document.json.utf8)
        answers.remember(body, for: key, readAt: index)
        return raw(ByteBuffer(bytes: body), index: index, status: status)
    }

    /// A value's JSON: its own rendering when it has one (the same one the event log holds),
    /// else the encoder's.
    static func encode(_ value: some Encodable) throws -> [UInt8] {
        if let value = value as? any JSONTextEncodable { return Array(value.jsonText.utf8) }
        return Array(try encoder.encode(value))
    }

    static func raw(_ body: ByteBuffer, index: UInt64, status: HTTPResponse.Status = .ok) -> Response {
        Response(
            status: status,
            headers: [.contentType: "application/json", .berthIndex: String(index)],
            body: .init(byteBuffer: body)
        )
    }
}

extension JSONResponse {
    /// A page of a list: `{"items":[…],"next":TOKEN|null}`, at the index of the list's snapshot.
    static func page<Item: Encodable & Sendable>(_ page: ListPage<Item>) throws -> Response {
        try rawPage(page.items.map { String(decoding: try encode($0), as: UTF8.self) }, next: page.next, index: page.index)
    }

    /// A page whose items are already JSON text.
    static func rawPage(_ items: [String], next: String?, index: UInt64) -> Response {
        var buffer = ByteBuffer()
        buffer.reserveCapacity(items.reduce(32) { $0 + $1.utf8.count + 1 })
        buffer.writeString(#"{"items":["#)
        for (i, item) in items.enumerated() {
            if i > 0 { buffer.writeString(",") }
            buffer.writeString(item)
        }
        buffer.writeString(#"],"next":"#)
        buffer.writeString(next.map(JSONText.quote) ?? "null")
        buffer.writeString("}")
        return raw(buffer, index: index)
    }
}
