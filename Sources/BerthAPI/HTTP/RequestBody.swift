import BerthCore
import Foundation
import Hummingbird
import NIOCore

/// Reads and decodes JSON request bodies: at most 1 MiB, strict about types and unknown
/// fields, with every failure a 400 or 413 that names the field.
enum RequestBody {
    static let maxBytes = 1 << 20

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maxBytes)
        } catch is NIOTooManyBytesError {
            throw BerthError.payloadTooLarge(limit: maxBytes)
        }
        guard buffer.readableBytes > 0 else {
            throw BerthError.invalidArgument(field: "body", message: "is empty; expected a JSON object")
        }
        do {
            return try JSONDecoder().decode(T.self, from: Data(buffer.readableBytesView))
        } catch let error as DecodingError {
            throw BerthError.from(decoding: error)
        }
    }
}
