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

    func duration(_ name: String) throws -> Duration? {
        guard let text = string(name) else { return nil }
        guard let value = DurationText.parse(text) else {
            throw BerthError.invalidArgument(field: name, message: "must be a duration like 30s, 5m or 500ms, got \"\(text.prefix(40))\"")
        }
        return value
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
