/// Why a cron schedule or its time zone was refused, naming the part and the token at fault.
///
/// `message` reads `day-of-month: "32" is out of range 1-31`; `invalidArgument` is the same
/// sentence as the `BerthError` the API answers with 400 (field `schedule` or `timeZone`).
public struct CronScheduleError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The part of the input at fault.
    public enum Part: String, Sendable, Hashable, CaseIterable {
        case minute, hour
        case dayOfMonth = "day-of-month"
        case month
        case dayOfWeek = "day-of-week"
        /// The expression as a whole: the field count, a macro, an `@every` duration.
        case expression = "schedule"
        case timeZone
    }

    public var part: Part
    /// The offending text, as written (cut to 40 characters).
    public var token: String
    /// The rule it breaks, e.g. `is out of range 1-31`.
    public var reason: String

    public init(part: Part, token: String, reason: String) {
        self.part = part
        self.token = String(token.prefix(40))
        self.reason = reason
    }

    public var message: String { "\(part.rawValue): \"\(token)\" \(reason)" }

    public var description: String { message }

    /// The 400 the API answers with: field `timeZone` for a zone, `schedule` otherwise (the
    /// message then names the cron field).
    public var invalidArgument: BerthError {
        switch part {
        case .timeZone: .invalidArgument(field: "timeZone", message: "\"\(token)\" \(reason)")
        case .expression: .invalidArgument(field: "schedule", message: "\"\(token)\" \(reason)")
        default: .invalidArgument(field: "schedule", message: message)
        }
    }
}
