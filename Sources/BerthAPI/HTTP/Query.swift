import BerthCore
import Hummingbird

/// Typed access to query parameters; a malformed value is a 400 that names the parameter.
struct Query {
    let request: Request

    init(_ request: Request) { self.request = request }

    func string(_ name: String) -> String? {
        request.uri.queryParameters.get(name)
    }

    func uint(_ name: String) throws -> UInt64? {
        guard let text = string(name) else { return nil }
        guard let value = UInt64(text) else {
            throw BerthError.invalidArgument(field: name, message: "must be a non-negative integer, got \"\(text.prefix(40))\"")
        }
        return value
    }

    func int(_ name: String, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw BerthError.invalidArgument(field: name, message: "must be an integer from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    /// `?wait=`: a duration, capped at `BlockingQuery.maxWait` (10m), as Consul caps its `wait`.
    /// Any well-formed duration is capped, also one over the day `DurationText` reads (`25h`):
    /// asking for longer than the cap is not an error, so its length does not make it one.
    func wait() throws -> Duration? {
        guard let text = string("wait") else { return nil }
        if let value = DurationText.parse(text) { return min(value, BlockingQuery.maxWait) }
        if Self.isLongDuration(text) { return BlockingQuery.maxWait }
        throw BerthError.invalidArgument(field: "wait", message: "must be a duration like 30s, 5m or 500ms, got \"\(text.prefix(40))\"")
    }

    /// Duration text (number+unit parts, at most 32 bytes) that `DurationText` refuses only for
    /// being longer than a day.
    static func isLongDuration(_ text: String) -> Bool {
        text.utf8.count <= 32 && text.wholeMatch(of: /([0-9]+(ms|s|m|h))+/) != nil
    }

    func `enum`<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw BerthError.invalidArgument(field: name, message: "must be one of \(allowed), got \"\(text.prefix(40))\"")
        }
        return value
    }

    /// `?cas=N` on writes.
    func cas() throws -> UInt64? { try uint("cas") }

    /// A filter value that must be a DNS label when given.
    func name(_ parameter: String) throws -> String? {
        guard let value = string(parameter) else { return nil }
        try Rules.name(value, field: parameter)
        return value
    }
}

extension RequestContext {
    /// A `{name}` path parameter, checked to be a DNS label.
    func name(_ parameter: String = "name") throws -> String {
        let value = try parameters.require(parameter)
        try Rules.name(value, field: parameter)
        return value
    }

    /// A `{id}` container id: 16 lowercase hex digits.
    func containerID() throws -> String {
        let value = try parameters.require("id")
        guard value.utf8.count == 16, value.utf8.allSatisfy({ ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }) else {
            throw BerthError.invalidArgument(field: "id", message: "\"\(value.prefix(40))\" is not a container id (16 lowercase hex digits)")
        }
        return value
    }
}
