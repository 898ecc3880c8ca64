/// Builds request paths from user-supplied names and filters, so a name with `/`, `?` or `&`
/// reaches the server as one escaped value (and is refused there with a 400) rather than as a
/// different route.
public enum APIPath {
    /// Escapes everything but unreserved characters (RFC 3986).
    public static func escape(_ value: String) -> String {
        var out = ""
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."),
                 UInt8(ascii: "_"), UInt8(ascii: "~"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let hex = String(byte, radix: 16, uppercase: true)
                out += "%" + (hex.count == 1 ? "0" + hex : hex)
            }
        }
        return out
    }

    /// `/v1/<collection>/<name>` with the name escaped.
    public static func object(_ collection: String, _ name: String) -> String {
        "/v1/\(collection)/\(escape(name))"
    }

    /// Appends the given parameters (nil values are left out) as a query string.
    public static func with(_ path: String, _ parameters: [(String, String?)]) -> String {
        let pairs = parameters.compactMap { key, value in value.map { "\(key)=\(escape($0))" } }
        guard !pairs.isEmpty else { return path }
        return path + (path.contains("?") ? "&" : "?") + pairs.joined(separator: "&")
    }
}
