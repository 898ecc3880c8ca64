import Foundation

/// When a periodic job fires: a five-field cron expression, a macro, or `@every <duration>`.
///
/// Fields are `minute hour day-of-month month day-of-week`, each `*`, a number, a range `1-5`,
/// a list `1,3,5`, a step `*/15`, `10-40/5` or `5/15` (= `5-max/15`); months and weekdays
/// also by name (`jan`…`dec`, `sun`…`sat`, any case), and day-of-week 7 is Sunday. When both
/// day fields are restricted (neither begins with `*`), a day matches if EITHER does (Vixie
/// cron); `0 0 13 * fri` fires on every 13th and every Friday. Macros: `@yearly`
/// (`@annually`), `@monthly`, `@weekly`, `@daily` (`@midnight`), `@hourly`. A day-of-month no
/// chosen month has (`0 0 30 feb *`) is refused rather than never firing.
///
/// Fire times are computed in a time zone (`next(after:in:origin:)`), with these rules where
/// daylight saving moves the wall clock:
/// - **Spring forward**: a wall-clock time the gap skips (02:30 in New York on the second
///   Sunday of March) fires at the first instant after the gap (03:00 EDT), once, however
///   many skipped times the expression names.
/// - **Autumn back**: each wall-clock time fires once, at its first occurrence (01:30 EDT);
///   the repeated hour does not fire again. So `0 * * * *` fires at 01:00 EDT and then 02:00
///   EST, two hours apart. Use `@every` or the `UTC` zone for strictly even spacing.
///
/// `@every` ignores zones: it fires at `origin + k·interval` (k ≥ 1), the origin (the job's
/// creation time) taken in whole seconds, so every server computes the same instants.
public struct CronSchedule: Sendable, Hashable, CustomStringConvertible {
    enum Rule: Sendable, Hashable {
        case fields(CronFields)
        case every(Duration)
    }

    let rule: Rule
    /// The expression as written (trimmed), as the API echoes it.
    public let expression: String

    /// Parses an expression; the error names the field and the token at fault.
    public init(parsing text: String) throws(CronScheduleError) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        rule = try Self.parseRule(trimmed)
        expression = trimmed
    }

    public var description: String { expression }

    /// The interval of an `@every` schedule; nil for cron fields and macros.
    public var interval: Duration? {
        if case .every(let interval) = rule { return interval }
        return nil
    }

    /// The first fire time strictly after `instant`, wall-clock fields read in `zone`; `origin`
    /// anchors `@every` (the job's creation time) and is ignored otherwise. Nil only when no
    /// fire time exists within 400 years.
    public func next(after instant: Date, in zone: TimeZone, origin: Date = Date(timeIntervalSince1970: 0)) -> Date? {
        let t = instant.timeIntervalSince1970
        guard t.isFinite, abs(t) < 1e13 else { return nil }
        switch rule {
        case .every(let interval):
            return Self.nextEvery(after: t, interval: interval.timeInterval, origin: origin)
        case .fields(let fields):
            return fields.next(after: t, in: zone).map { Date(timeIntervalSince1970: TimeInterval($0)) }
        }
    }

    /// The last fire time in `(lower, upper]`, or nil if there is none: the one late run to
    /// start after a pause, however many were missed. Costs about 40 `next` calls at most,
    /// never one per missed time.
    public func latest(after lower: Date, through upper: Date, in zone: TimeZone, origin: Date = Date(timeIntervalSince1970: 0)) -> Date? {
        guard lower < upper, upper.timeIntervalSince1970.isFinite, abs(upper.timeIntervalSince1970) < 1e13 else { return nil }
        if case .every(let interval) = rule {
            let fire = Self.lastEvery(through: upper.timeIntervalSince1970, interval: interval.timeInterval, origin: origin)
            return fire.map { Date(timeIntervalSince1970: $0) }.flatMap { $0 > lower ? $0 : nil }
        }
        guard let first = next(after: lower, in: zone), first <= upper else { return nil }
        // Fields fire on whole seconds. Find the smallest second s with next(after: s) > upper:
        // that is the last fire. `lo` keeps next(after: lo) <= upper, `hi` keeps the opposite.
        var lo = Int64(first.timeIntervalSince1970)
        var hi = Int64(upper.timeIntervalSince1970.rounded(.down))
        func firesBy(_ s: Int64) -> Bool {
            next(after: Date(timeIntervalSince1970: TimeInterval(s)), in: zone).map { $0 <= upper } ?? false
        }
        guard firesBy(lo) else { return first }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if firesBy(mid) { lo = mid } else { hi = mid }
        }
        return Date(timeIntervalSince1970: TimeInterval(hi))
    }

    /// The IANA zone named, for a job's `timeZone`; an unknown name is an error.
    public static func timeZone(named name: String) throws(CronScheduleError) -> TimeZone {
        guard !name.isEmpty, let zone = TimeZone(identifier: name) else {
            throw CronScheduleError(part: .timeZone, token: name, reason: "is not a known IANA time zone (such as UTC, Europe/Berlin)")
        }
        return zone
    }

    static func nextEvery(after t: TimeInterval, interval: TimeInterval, origin: Date) -> Date {
        let o = origin.timeIntervalSince1970.rounded(.down)
        var k = max(1, ((t - o) / interval).rounded(.down))
        while o + k * interval <= t { k += 1 }
        return Date(timeIntervalSince1970: o + k * interval)
    }

    static func lastEvery(through t: TimeInterval, interval: TimeInterval, origin: Date) -> TimeInterval? {
        let o = origin.timeIntervalSince1970.rounded(.down)
        var k = ((t - o) / interval).rounded(.down)
        while k >= 1, o + k * interval > t { k -= 1 }
        while o + (k + 1) * interval <= t { k += 1 }
        return k >= 1 ? o + k * interval : nil
    }
}
