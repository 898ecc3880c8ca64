/// The five fields of a cron expression as bit sets, and the walk over wall-clock time that
/// finds the next minute they all match. No time zone here: `CronSchedule` maps the minute it
/// finds to an instant.
struct CronFields: Sendable, Hashable {
    /// Bits 0…59.
    var minutes: UInt64
    /// Bits 0…23.
    var hours: UInt64
    /// Bits 1…31.
    var daysOfMonth: UInt64
    /// Bits 1…12.
    var months: UInt64
    /// Bits 0…6, Sunday = 0 (7 is folded onto 0 by the parser).
    var daysOfWeek: UInt64
    /// The day-of-month field began with `*` (`*`, `*/2`): Vixie cron's DOM_STAR.
    var dayOfMonthStar: Bool
    /// The day-of-week field began with `*`: Vixie cron's DOW_STAR.
    var dayOfWeekStar: Bool

    /// How far ahead the walk looks: the Gregorian calendar repeats its dates and weekdays
    /// every 400 years, so a day that matches at all matches within that.
    static let yearsAhead = 400

    /// Vixie cron's day rule: when both day fields are restricted (neither begins with `*`), a
    /// day matches if either matches; otherwise both must (the `*` one matches any day anyway).
    func matchesDay(year: Int, month: Int, day: Int, weekday: Int) -> Bool {
        let dom = daysOfMonth & (1 << UInt64(day)) != 0
        let dow = daysOfWeek & (1 << UInt64(weekday)) != 0
        return dayOfMonthStar || dayOfWeekStar ? dom && dow : dom || dow
    }

    /// The first wall-clock minute at or after `start` that matches every field, skipping whole
    /// months, days and hours that cannot match; nil if none within `yearsAhead`.
    func firstMatch(atOrAfter start: CivilTime) -> CivilTime? {
        var c = start
        let lastYear = start.year + Self.yearsAhead
        while c.year <= lastYear {
            guard let month = Self.nextBit(months, from: c.month, through: 12) else {
                c = CivilTime(year: c.year + 1, month: 1, day: 1, hour: 0, minute: 0)
                continue
            }
            if month != c.month { c = CivilTime(year: c.year, month: month, day: 1, hour: 0, minute: 0) }
            guard let day = nextDay(year: c.year, month: c.month, from: c.day) else {
                c = Self.firstOfNextMonth(c)
                continue
            }
            if day != c.day { (c.day, c.hour, c.minute) = (day, 0, 0) }
            guard let hour = Self.nextBit(hours, from: c.hour, through: 23) else {
                c = Self.nextDay(c)
                continue
            }
            if hour != c.hour { (c.hour, c.minute) = (hour, 0) }
            guard let minute = Self.nextBit(minutes, from: c.minute, through: 59) else {
                c.minute = 0
                if c.hour == 23 { c = Self.nextDay(c) } else { c.hour += 1 }
                continue
            }
            c.minute = minute
            return c
        }
        return nil
    }

    /// The first matching day of the month at or after `day` (at most 31 checks).
    private func nextDay(year: Int, month: Int, from day: Int) -> Int? {
        let last = CivilTime.daysIn(month: month, year: year)
        guard day <= last else { return nil }
        var weekday = CivilTime.weekday(year: year, month: month, day: day)
        for d in day...last {
            if matchesDay(year: year, month: month, day: d, weekday: weekday) { return d }
            weekday = (weekday + 1) % 7
        }
        return nil
    }

    private static func nextDay(_ c: CivilTime) -> CivilTime {
        if c.day < CivilTime.daysIn(month: c.month, year: c.year) {
            return CivilTime(year: c.year, month: c.month, day: c.day + 1, hour: 0, minute: 0)
        }
        return firstOfNextMonth(c)
    }

    private static func firstOfNextMonth(_ c: CivilTime) -> CivilTime {
        c.month == 12
            ? CivilTime(year: c.year + 1, month: 1, day: 1, hour: 0, minute: 0)
            : CivilTime(year: c.year, month: c.month + 1, day: 1, hour: 0, minute: 0)
    }

    /// The lowest set bit in `from…through`.
    static func nextBit(_ set: UInt64, from: Int, through: Int) -> Int? {
        guard from <= through, from < 64 else { return nil }
        let shifted = set >> UInt64(from)
        guard shifted != 0 else { return nil }
        let bit = from + shifted.trailingZeroBitCount
        return bit <= through ? bit : nil
    }
}
