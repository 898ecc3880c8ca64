import BerthCore
import Foundation

extension BerthError {
    /// The message of an `invalidArgument`, or nil for any other case.
    var argumentMessage: String? {
        if case .invalidArgument(_, let message) = self { return message }
        return nil
    }
}

/// Decodes `json` as `T` and returns the decoding failure as the API would report it, or nil
/// when it decoded.
func decodingError<T: Decodable>(_ type: T.Type, _ json: String) -> BerthError? {
    do {
        _ = try JSONDecoder().decodeChecked(type, from: Data(json.utf8))
        return nil
    } catch let error as DecodingError {
        return BerthError.from(decoding: error)
    } catch {
        return .unavailable("not a DecodingError: \(error)")
    }
}

func decode<T: Decodable>(_ type: T.Type, _ json: String) throws -> T {
    try JSONDecoder().decodeChecked(type, from: Data(json.utf8))
}
