import Foundation

/// A JSON reader over bytes, for `nft -j` listings of several megabytes: `JSONDecoder` into
/// `JSONValue` tries each type in turn and pays for a thrown `DecodingError` on every miss
/// (40 s for the 3 MB listing of 10,000 services); this reads the same in well under a second.
/// Numbers become `Double`, as in `JSONValue`. Nesting is limited, so hostile input cannot
/// exhaust the stack.
struct JSONBytes {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0
    static let maxDepth = 256

    static func parse(_ data: Data) throws(NFTError) -> JSONValue {
        let result: Result<JSONValue, NFTError> = data.withUnsafeBytes { raw in
            var reader = JSONBytes(bytes: raw.bindMemory(to: UInt8.self))
            do throws(NFTError) {
                let value = try reader.value(depth: 0)
                reader.skipSpace()
                guard reader.at == reader.bytes.count else { throw reader.error("trailing bytes") }
                return .success(value)
            } catch { return .failure(error) }
        }
        return try result.get()
    }

    private init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    private func error(_ what: String) -> NFTError { .unreadable("JSON: \(what) at byte \(at)") }

    private mutating func skipSpace() {
        while at < bytes.count, bytes[at] == 0x20 || bytes[at] == 0x0a || bytes[at] == 0x0d || bytes[at] == 0x09 { at += 1 }
    }

    private mutating func value(depth: Int) throws(NFTError) -> JSONValue {
        guard depth < Self.maxDepth else { throw error("nested too deeply") }
        skipSpace()
        guard at < bytes.count else { throw error("unexpected end") }
        switch bytes[at] {
        case UInt8(ascii: "{"):
            at += 1
            var object: [String: JSONValue] = [:]
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "}") { at += 1; return .object(object) }
            while true {
                skipSpace()
                let key = try string()
                skipSpace()
                try expect(":")
                object[key] = try value(depth: depth + 1)
                skipSpace()
                if try endOf("}") { return .object(object) }
            }
        case UInt8(ascii: "["):
            at += 1
            var array: [JSONValue] = []
            skipSpace()
            if at < bytes.count, bytes[at] == UInt8(ascii: "]") { at += 1; return .array(array) }
            while true {
                array.append(try value(depth: depth + 1))
                skipSpace()
                if try endOf("]") { return .array(array) }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        default: return .number(try number())
        }
    }

    /// After a member: `,` (more follow) or `close` (done).
    private mutating func endOf(_ close: Unicode.Scalar) throws(NFTError) -> Bool {
        guard at < bytes.count else { throw error("unexpected end") }
        if bytes[at] == UInt8(ascii: ",") { at += 1; return false }
        if bytes[at] == UInt8(ascii: close) { at += 1; return true }
        throw error("expected , or \(close)")
    }

    private mutating func expect(_ c: Unicode.Scalar) throws(NFTError) {
        guard at < bytes.count, bytes[at] == UInt8(ascii: c) else { throw error("expected \(c)") }
        at += 1
    }

    private mutating func word(_ w: StaticString) throws(NFTError) {
        let n = w.utf8CodeUnitCount
        guard at + n <= bytes.count, (0..<n).allSatisfy({ bytes[at + $0] == w.utf8Start[$0] }) else { throw error("expected \(w)") }
        at += n
    }

    private mutating func string() throws(NFTError) -> String {
        try expect("\"")
        let start = at
        while at < bytes.count, bytes[at] != UInt8(ascii: "\""), bytes[at] != UInt8(ascii: "\\") { at += 1 }
        guard at < bytes.count else { throw error("unterminated string") }
        if bytes[at] == UInt8(ascii: "\"") {
            defer { at += 1 }
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)
        }
        var text = Array(bytes[start..<at])  // an escape: the slow path
        while true {
            guard at < bytes.count else { throw error("unterminated string") }
            let b = bytes[at]
            at += 1
            if b == UInt8(ascii: "\"") { return String(decoding: text, as: UTF8.self) }
            guard b == UInt8(ascii: "\\") else { text.append(b); continue }
            guard at < bytes.count else { throw error("unterminated escape") }
            let e = bytes[at]
            at += 1
            switch e {
            case UInt8(ascii: "n"): text.append(0x0a)
            case UInt8(ascii: "t"): text.append(0x09)
            case UInt8(ascii: "r"): text.append(0x0d)
            case UInt8(ascii: "b"): text.append(0x08)
            case UInt8(ascii: "f"): text.append(0x0c)
            case UInt8(ascii: "u"):
                guard at + 4 <= bytes.count, let code = UInt32(String(decoding: UnsafeBufferPointer(rebasing: bytes[at..<at + 4]), as: UTF8.self), radix: 16)
                else { throw error("bad \\u escape") }
                at += 4
                text.append(contentsOf: String(Unicode.Scalar(code) ?? "\u{FFFD}").utf8)
            default: text.append(e)  // \" \\ \/
            }
        }
    }

    private mutating func number() throws(NFTError) -> Double {
        let start = at
        var negative = false, value = 0, digits = 0, plain = true
        if at < bytes.count, bytes[at] == UInt8(ascii: "-") { negative = true; at += 1 }
        while at < bytes.count {
            let b = bytes[at]
            if b >= UInt8(ascii: "0") && b <= UInt8(ascii: "9") { value = value &* 10 &+ Int(b - UInt8(ascii: "0")); digits += 1; at += 1 }
            else if b == UInt8(ascii: ".") || b == UInt8(ascii: "e") || b == UInt8(ascii: "E") || b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { plain = false; at += 1 }
            else { break }
        }
        guard digits > 0 else { throw error("not a value") }
        if plain && digits < 16 { return Double(negative ? -value : value) }
        guard let n = Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<at]), as: UTF8.self)) else { throw error("not a number") }
        return n
    }
}
