import BerthCore
import BerthStore
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

    func `enum`<T: RawRepresentable & CaseIterable>(_ name: String, _ type: T.Type) throws -> T? where T.RawValue == String {
        guard let text = string(name) else { return nil }
        guard let value = T(rawValue: text) else {
            let allowed = T.allCases.map(\.rawValue).joined(separator: ", ")
            throw BerthError.invalidArgument(field: name, message: "must be one of \(allowed), got \"\(text.prefix(40))\"")
        }
        return value
    }

    /// `?wait=`: any duration, clamped to the 10 minute maximum (as Consul clamps it).
    func wait() throws -> Duration? {
        guard let text = string("wait") else { return nil }
        guard let value = DurationText.parse(text, max: nil) else {
            throw BerthError.invalidArgument(field: "wait", message: "must be a duration like 30s, 5m or 500ms, got \"\(text.prefix(40))\"")
        }
        return min(value, BlockingQuery.maxWait)
    }

    /// `?limit=N&next=TOKEN` of a list named `list` (its route and filters).
    func page(_ list: String) throws -> ListRequest {
        let limit = try int("limit", in: 1...ListRequest.maxLimit) ?? ListRequest.defaultLimit
        return ListRequest(list: list, limit: limit, next: string("next"))
    }

    /// A comma-separated set of enum values (`kind=node,service`); nil when absent.
    func kinds(_ name: String) throws -> Set<ObjectKind>? {
        guard let text = string(name) else { return nil }
        var kinds = Set<ObjectKind>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let kind = ObjectKind(rawValue: String(part)) else {
                let allowed = ObjectKind.allCases.map(\.rawValue).joined(separator: ", ")
                throw BerthError.invalidArgument(field: name, message: "must be one of \(allowed) (or several, separated by commas), got \"\(text.prefix(40))\"")
            }
            kinds.insert(kind)
        }
        return kinds
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
