import Foundation

/// Prints the server's JSON for people and scripts: every field the server sent, whatever this
/// client's models know, with keys sorted (the server's order is not stable) and indented.
enum PrettyJSON {
    /// Sorted keys, two-space indentation, `"key": value`, empty `{}` and `[]` on one line.
    static func format(_ data: Data) -> String {
        indent(sortingKeys(data))
    }

    /// The same JSON with every object's keys in order; the input as it is if it is not JSON.
    static func sortingKeys(_ data: Data) -> Data {
        guard let object = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]),
              let sorted = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes, .fragmentsAllowed])
        else { return data }
        return sorted
    }

    /// Re-indents compact JSON text without decoding it.
    static func indent(_ data: Data) -> String {
        let bytes = Array(data)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        var depth = 0
        var inString = false
        var escaped = false
        var i = 0
        func newline() {
            out.append(UInt8(ascii: "\n"))
            out.append(contentsOf: repeatElement(UInt8(ascii: " "), count: depth * 2))
        }
        while i < bytes.count {
            let byte = bytes[i]
            defer { i += 1 }
            if inString {
                out.append(byte)
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
                out.append(byte)
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                out.append(byte)
                let close = byte == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: "]")
                if let next = nextSignificant(bytes, after: i), bytes[next] == close {
                    out.append(close)
                    i = next
                } else {
                    depth += 1
                    newline()
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                newline()
                out.append(byte)
            case UInt8(ascii: ","):
                out.append(byte)
                newline()
            case UInt8(ascii: ":"):
                out.append(contentsOf: [byte, UInt8(ascii: " ")])
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                break
            default:
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nextSignificant(_ bytes: [UInt8], after i: Int) -> Int? {
        var j = i + 1
        while j < bytes.count, [UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\t"), UInt8(ascii: "\r")].contains(bytes[j]) { j += 1 }
        return j < bytes.count ? j : nil
    }

    /// Prints a reply's body, re-indented.
    static func print(_ data: Data) { Console.out(format(data)) }
}
