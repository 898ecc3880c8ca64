import BerthCore
import Foundation

/// The `next` token of a list page: which snapshot session it continues, which list, and the
/// cursor after which the next page starts. Opaque to clients (base64url); a token that does not
/// decode, or belongs to another list, is a 400 naming `next`.
struct ListToken: Equatable {
    var session: UInt64
    var list: String
    var cursor: ListCursor

    var text: String {
        let raw = "1\n\(session)\n\(list)\n\(cursor.key)"
        return Data(raw.utf8).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    init(session: UInt64, list: String, cursor: ListCursor) {
        self.session = session
        self.list = list
        self.cursor = cursor
    }

    /// Reads a token back, checking that it continues `list`.
    init(parsing text: String, list expected: String) throws(BerthError) {
        let invalid = BerthError.invalidArgument(field: "next", message: "is not a continuation token this server gave for this list")
        guard text.utf8.count <= 1024, text.utf8.allSatisfy({ Self.alphabet.contains($0) }) else { throw invalid }
        var base64 = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        base64 += String(repeating: "=", count: (4 - base64.utf8.count % 4) % 4)
        guard let data = Data(base64Encoded: base64), let raw = String(data: data, encoding: .utf8) else { throw invalid }
        let parts = raw.split(separator: "\n", maxSplits: 3, omittingEmptySubsequences: false)
        guard parts.count == 4, parts[0] == "1", let session = UInt64(parts[1]) else { throw invalid }
        guard parts[2] == expected else {
            throw .invalidArgument(field: "next", message: "continues another list (\(parts[2].prefix(80))); pass the same filters as its first page")
        }
        self.init(session: session, list: expected, cursor: ListCursor([]))
        cursor.key = String(parts[3])
    }

    private static let alphabet = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
}
