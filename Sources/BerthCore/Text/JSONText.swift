import Foundation

/// JSON written by hand where an encoder is too slow or too much: API error bodies, the event
/// feed, label columns, JSON log lines. One quoting function for all of them.
public enum JSONText {
    /// A JSON string literal for `text`, with the escapes RFC 8259 requires.
    public static func quote(_ text: String) -> String {
        var out = "\""
        out.reserveCapacity(text.utf8.count + 2)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20: out += String(format: "\\u%04x", scalar.value)
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
