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
        if let plain = T.self as? any PlainJSONDecodable.Type,
           let value = plain.init(plainJSON: Array(buffer.readableBytesView)) {
            return value as! T  // `plain` is `T.self`
        }
        let data = Data(buffer.readableBytesView)
        do {
            return try JSONDecoder().decodeChecked(T.self, from: data)
        } catch let error as DecodingError {
            // Foundation reports a number that fits no integer (1.5, 1e30) as invalid JSON with no
            // path; find the number so the 400 names its field, as for any other bad value.
            if case .dataCorrupted(let context) = error, context.codingPath.isEmpty,
               let document = try? JSONSerialization.jsonObject(with: data),
               let field = firstNonInteger(in: document, at: "") {
                throw BerthError.invalidArgument(field: field, message: "must be a whole number in range")
            }
            throw BerthError.from(decoding: error)
        }
    }

    /// The path of the first number that is not a whole number an `Int` can hold.
    static func firstNonInteger(in value: Any, at path: String) -> String? {
        switch value {
        case let object as [String: Any]:
            for key in object.keys.sorted() {
                if let found = firstNonInteger(in: object[key]!, at: path.isEmpty ? key : "\(path).\(key)") { return found }
            }
        case let array as [Any]:
            for (i, item) in array.enumerated() {
                if let found = firstNonInteger(in: item, at: "\(path)[\(i)]") { return found }
            }
        case let number as NSNumber:  // a boolean is 0 or 1, a whole number: never reported
            let double = number.doubleValue
            if double.rounded() != double || abs(double) >= 9.2e18 { return path }
        default:
            break
        }
        return nil
    }
}
