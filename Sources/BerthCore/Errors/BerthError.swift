/// Every failure a caller can act on, in words a user can read.
///
/// Domain code throws these; the API layer maps each case to one HTTP status and a stable
/// `code` string (see `BerthAPI/Errors/ErrorMapping.swift`). Anything that is not a
/// `BerthError` is an internal fault and is shown to clients as a bare 500.
public enum BerthError: Error, Sendable, Equatable {
    /// Input that breaks a rule; `field` names where (`capacity.cpu`, `constraints[1]`).
    case invalidArgument(field: String, message: String)
    /// The named object does not exist.
    case notFound(kind: ObjectKind, name: String)
    /// The write contradicts the current state (already exists, still in use, out of addresses).
    case conflict(String)
    /// `?cas=N` did not match the object's `modifyIndex`.
    case casFailed(kind: ObjectKind, name: String, expected: UInt64, actual: UInt64?)
    /// The change feed no longer holds events after `after`.
    case compacted(after: UInt64, compactedThrough: UInt64)
    /// A list's `next` token continues a snapshot the server no longer keeps.
    case listExpired
    /// The request body is over the limit.
    case payloadTooLarge(limit: Int)
    /// The database cannot take writes (disk full, read-only) or is shutting down.
    case unavailable(String)

    /// A short, stable machine-readable code, as sent in `{"error":{"code":...}}`.
    public var code: String {
        switch self {
        case .invalidArgument: "invalid_argument"
        case .notFound: "not_found"
        case .conflict: "conflict"
        case .casFailed: "cas_failed"
        case .compacted: "compacted"
        case .listExpired: "expired"
        case .payloadTooLarge: "payload_too_large"
        case .unavailable: "unavailable"
        }
    }

    /// For `invalidArgument`, the input the error is about: a path into the JSON body
    /// (`capacity.cpu`, `ports[1].name`), `body` for the document as a whole, or a query or path
    /// parameter (`wait`, `name`); `request` when no one part is to blame. Sent as the error's
    /// `field` member, stable, so a client (or the fuzzer) matches on it and not on the message.
    /// Nil for every other case.
    public var field: String? {
        guard case .invalidArgument(let field, _) = self else { return nil }
        return field.isEmpty ? "request" : field
    }

    /// The sentence shown to the user.
    public var message: String {
        switch self {
        case .invalidArgument(let field, let message):
            field.isEmpty ? message : "\(field): \(message)"
        case .notFound(let kind, let name):
            "\(kind.rawValue) \"\(name)\" not found"
        case .conflict(let message):
            message
        case .casFailed(let kind, let name, let expected, let actual):
            if let actual {
                "cas failed: \(kind.rawValue) \"\(name)\" has modifyIndex \(actual), not \(expected)"
            } else {
                "cas failed: \(kind.rawValue) \"\(name)\" does not exist (cas=\(expected))"
            }
        case .compacted(let after, let through):
            "events after index \(after) are no longer kept (compacted through \(through)); "
                + "list again and resume from its X-Berth-Index"
        case .listExpired:
            "next: the list this token continues is no longer kept (a page was not asked for within a minute, "
                + "or too many lists were being read); list again from the first page"
        case .payloadTooLarge(let limit):
            "request body is larger than \(limit) bytes"
        case .unavailable(let why):
            why
        }
    }
}

extension BerthError: CustomStringConvertible {
    public var description: String { "\(code): \(message)" }
}
