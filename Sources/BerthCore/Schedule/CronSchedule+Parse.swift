extension CronSchedule {
    /// One field's bounds and names, in the order the fields are written.
    struct FieldSpec: Sendable {
        var part: CronScheduleError.Part
        var min: Int
        /// The highest value written (7 for day-of-week, read as Sunday).
        var max: Int
        /// The highest value `*` covers (6 for day-of-week).
        var starMax: Int
        /// Names for `min`, `min + 1`, …; empty when the field has none.
        var names: [String] = []

        var range: String { names.isEmpty ? "\(min)-\(max)" : "\(min)-\(max) or \(names.first!)-\(names.last!)" }
    }

    static let fieldSpecs: [FieldSpec] = [
        FieldSpec(part: .minute, min: 0, max: 59, starMax: 59),
        FieldSpec(part: .hour, min: 0, max: 23, starMax: 23),
        FieldSpec(part: .dayOfMonth, min: 1, max: 31, starMax: 31),
        FieldSpec(part: .month, min: 1, max: 12, starMax: 12, names: ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]),
        FieldSpec(part: .dayOfWeek, min: 0, max: 7, starMax: 6, names: ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]),
    ]

    static let macros: [String: String] = [
        "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *", "@weekly": "0 0 * * 0",
        "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
    ]

    static func parseRule(_ text: String) throws(CronScheduleError) -> Rule {
        let words = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if text.hasPrefix("@") {
            let macro = words[0].lowercased()
            if macro == "@every" {
                guard words.count == 2 else {
                    throw CronScheduleError(part: .expression, token: text, reason: "needs one duration after @every (such as @every 5m)")
                }
                guard let interval = DurationText.parse(words[1], max: nil), interval >= .seconds(1) else {
                    throw CronScheduleError(part: .expression, token: words[1], reason: "is not a duration of at least 1s (such as 30s, 5m, 1h30m)")
                }
                return .every(interval)
            }
            guard words.count == 1, let fields = macros[macro] else {
                throw CronScheduleError(
                    part: .expression, token: text,
                    reason: "is not a known macro (@yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly, @every <duration>)"
                )
            }
            return try parseRule(fields)
        }
        guard words.count == 5 else {
            throw CronScheduleError(
                part: .expression, token: text,
                reason: "has \(words.count) fields; expected 5 (minute hour day-of-month month day-of-week) or a macro such as @daily"
            )
        }
        var sets: [UInt64] = []
        for (word, spec) in zip(words, fieldSpecs) {
            sets.append(try parseField(word, spec))
        }
        let fields = CronFields(
            minutes: sets[0], hours: sets[1], daysOfMonth: sets[2], months: sets[3],
            daysOfWeek: sets[4] & 0x7F | (sets[4] >> 7 & 1),
            dayOfMonthStar: words[2].hasPrefix("*"), dayOfWeekStar: words[4].hasPrefix("*")
        )
        try checkDaysExist(fields, dayOfMonth: words[2])
        return .fields(fields)
    }

    /// One field: a comma list of `*`, `n`, `a-b`, each optionally `/step`.
    static func parseField(_ text: String, _ spec: FieldSpec) throws(CronScheduleError) -> UInt64 {
        var set: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            func fail(_ reason: String, _ token: Substring? = nil) -> CronScheduleError {
                CronScheduleError(part: spec.part, token: String(token ?? item), reason: reason)
            }
            guard !item.isEmpty else { throw fail("has an empty list item", Substring(text)) }
            let stepParts = item.split(separator: "/", omittingEmptySubsequences: false)
            guard stepParts.count <= 2 else { throw fail("has more than one '/'") }
            let base = stepParts[0]
            var (low, high) = (spec.min, spec.starMax)
            if base != "*" {
                let bounds = base.split(separator: "-", omittingEmptySubsequences: false)
                guard bounds.count <= 2, !bounds.contains(where: \.isEmpty) else { throw fail("is not a value or a range a-b") }
                low = try value(bounds[0], spec)
                high = bounds.count == 2 ? try value(bounds[1], spec) : (stepParts.count == 2 ? spec.max : low)
                guard low <= high else { throw fail("is a range that goes backwards") }
            }
            var step = 1
            if stepParts.count == 2 {
                let span = spec.starMax - spec.min + 1
                guard let n = number(stepParts[1]), (1...span).contains(n) else {
                    throw fail("has a step that is not a number from 1 to \(span)", stepParts[1])
                }
                step = n
            }
            for v in stride(from: low, through: high, by: step) { set |= 1 << UInt64(v) }
        }
        return set
    }

    static func value(_ token: Substring, _ spec: FieldSpec) throws(CronScheduleError) -> Int {
        if let n = number(token) {
            guard (spec.min...spec.max).contains(n) else {
                throw CronScheduleError(part: spec.part, token: String(token), reason: "is out of range \(spec.min)-\(spec.max)")
            }
            return n
        }
        if let index = spec.names.firstIndex(of: token.lowercased()) { return spec.min + index }
        throw CronScheduleError(part: spec.part, token: String(token), reason: "is not a number in \(spec.range)")
    }

    /// ASCII digits only (no sign, no other scripts), at most 3 of them.
    static func number(_ token: Substring) -> Int? {
        guard (1...3).contains(token.utf8.count), token.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(token)
    }

    /// With the day of week unrestricted, some chosen month must have some chosen day
    /// (`30 feb` never fires: refused, not accepted and silent forever).
    static func checkDaysExist(_ fields: CronFields, dayOfMonth: String) throws(CronScheduleError) {
        guard fields.dayOfWeekStar else { return }
        for month in 1...12 where fields.months & (1 << UInt64(month)) != 0 {
            let last = CivilTime.daysIn(month: month, year: 2000)  // a leap year: 29 feb counts
            if fields.daysOfMonth & ((1 << UInt64(last + 1)) - 2) != 0 { return }
        }
        throw CronScheduleError(part: .dayOfMonth, token: dayOfMonth, reason: "names no day that the chosen months have")
    }
}
